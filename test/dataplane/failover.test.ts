// Failover tests: silent, slow, garbage and wrong-question targets, SERVFAIL when all fail, down marking and re-probing.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/domain/clock.ts';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import type { UpstreamTarget } from '../../src/dataplane/types.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { FakeUpstream, addresses, udpQuery, UDP_IOS } from './helpers.ts';

const NET = loopbackNet();
const PORT = await freeDnsPort([50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65].map((h) => NET.ip(h)));
const SOURCE = NET.ip(42);

for (const { io, skip } of UDP_IOS) describe(`DataPlane failover (${io} UDP sockets)`, { skip }, () => {
  let first: FakeUpstream;
  let second: FakeUpstream;
  let clock: ManualClock;
  let dp: DataPlane;
  let n = 0;

  async function start(targets: UpstreamTarget[]): Promise<string> {
    clock = new ManualClock();
    dp = new DataPlane({ port: PORT, clock, queryTimeoutMs: 100, cacheSize: 0, failuresToMarkDown: 2, downBackoffMs: 5000, udpIo: io });
    dp.setVpcs([{ vpcId: 'vpc-1', rules: [{ id: 'r', domain: 'corp.example', targets, sourceIps: [SOURCE], endpointId: 'ep' }], upstreams: [] }]);
    const ip = NET.ip(50 + n++);
    await dp.bindListener(ip, 'vpc-1');
    return ip;
  }

  before(async () => {
    first = await FakeUpstream.start(NET.ip(121), '192.0.2.1');
    second = await FakeUpstream.start(NET.ip(122), '192.0.2.2');
  });
  afterEach(async () => {
    await dp.close();
    for (const u of [first, second]) {
      u.mode = 'answer';
      u.delayMs = 0;
      u.received.length = 0;
    }
  });
  after(async () => {
    await first.close();
    await second.close();
  });

  const modes = [
    ['silent', 'answer' as const],
    ['slow', 'answer' as const],
    ['garbage', 'answer' as const],
    ['wrong-question', 'answer' as const],
  ] as const;
  for (const [mode] of modes) {
    it(`fails over to the next target when the first is ${mode}`, async () => {
      const ip = await start([first.target, second.target]);
      if (mode === 'slow') first.delayMs = 400;
      else first.mode = mode;
      const reply = await udpQuery(ip, PORT, 'host.corp.example');
      assert.deepEqual(addresses(reply), ['192.0.2.2']);
      assert.equal(first.received.length, 1);
      assert.equal(second.received[0]?.address, SOURCE);
      assert.equal(dp.stats().upstreamFailures, 1);
    });
  }

  it('fails over when the first target has nothing listening', async () => {
    const ip = await start([{ ip: NET.ip(123), port: 9 }, second.target]);
    assert.deepEqual(addresses(await udpQuery(ip, PORT, 'host.corp.example')), ['192.0.2.2']);
  });

  it('answers SERVFAIL when every target fails', async () => {
    const ip = await start([first.target, second.target]);
    first.mode = 'silent';
    second.mode = 'garbage';
    const reply = await udpQuery(ip, PORT, 'host.corp.example');
    assert.equal(reply.rcode, 'SERVFAIL');
    assert.equal(dp.stats().upstreamFailures, 2);
  });

  it('skips a target marked down and probes it again after the back-off', async () => {
    const ip = await start([first.target, second.target]);
    first.mode = 'silent';
    await udpQuery(ip, PORT, 'a.corp.example');
    await udpQuery(ip, PORT, 'b.corp.example');
    assert.deepEqual(dp.stats().downTargets, [`${NET.ip(121)}#` + first.port]);
    first.received.length = 0;
    assert.deepEqual(addresses(await udpQuery(ip, PORT, 'c.corp.example')), ['192.0.2.2']);
    assert.equal(first.received.length, 0, 'a down target is not tried while a healthy one is');

    first.mode = 'answer';
    clock.advance(5000);
    assert.deepEqual(addresses(await udpQuery(ip, PORT, 'd.corp.example')), ['192.0.2.1']);
    assert.deepEqual(dp.stats().downTargets, []);
  });

  it('still tries down targets when all of them are down', async () => {
    const ip = await start([first.target]);
    first.mode = 'silent';
    await udpQuery(ip, PORT, 'a.corp.example');
    await udpQuery(ip, PORT, 'b.corp.example');
    assert.equal(dp.stats().downTargets.length, 1);
    first.mode = 'answer';
    assert.deepEqual(addresses(await udpQuery(ip, PORT, 'c.corp.example')), ['192.0.2.1']);
  });

  it('relays an upstream SERVFAIL-free NXDOMAIN without counting a failure', async () => {
    const ip = await start([first.target, second.target]);
    first.mode = 'nxdomain';
    assert.equal((await udpQuery(ip, PORT, 'nx.corp.example')).rcode, 'NXDOMAIN');
    assert.equal(dp.stats().upstreamFailures, 0);
    assert.equal(second.received.length, 0);
  });
});
