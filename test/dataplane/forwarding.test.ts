// Forwarding tests: EDNS handling, truncation for the client, TC -> TCP retry from the source address, in-flight cap.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import { OPTION_VIA } from '../../src/dataplane/wire-edit.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { until } from '../helpers/wait.ts';
import { FakeUpstream, addresses, buildQuery, decode, tcpExchange, udpExchange, udpQuery, UDP_IOS } from './helpers.ts';

const NET = loopbackNet();
const PORT = await freeDnsPort([31, 32, 33].map((h) => NET.ip(h)));
const IP = NET.ip(31);
const SOURCE = NET.ip(32);

interface Opt {
  udpPayloadSize: number;
  options: { code: number; data: Buffer }[];
}

for (const { io, skip } of UDP_IOS) describe(`DataPlane forwarding (${io} UDP sockets)`, { skip }, () => {
  let up: FakeUpstream;
  let dp: DataPlane;

  before(async () => {
    up = await FakeUpstream.start(NET.ip(111));
    dp = new DataPlane({ port: PORT, queryTimeoutMs: 300, cacheSize: 0, udpIo: io });
    dp.setVpcs([{ vpcId: 'vpc-1', rules: [{ id: 'r', domain: 'corp.example', targets: [up.target], sourceIps: [SOURCE], endpointId: 'ep' }], upstreams: [] }]);
    await dp.bindListener(IP, 'vpc-1');
  });
  beforeEach(() => {
    up.mode = 'answer';
    up.delayMs = 0;
    up.received.length = 0;
  });
  after(async () => {
    await dp.close();
    await up.close();
  });

  it('advertises at most 1232 bytes upstream and adds the via option', async () => {
    await udpQuery(IP, PORT, 'a.corp.example', { edns: 4096 });
    const opt = up.received[0]?.packet.additionals?.find((a) => a.type === 'OPT') as unknown as Opt;
    assert.equal(opt.udpPayloadSize, 1232);
    assert.ok(opt.options.some((o) => o.code === OPTION_VIA && o.data.length === 4));
  });

  it('answers a client without EDNS without an OPT record', async () => {
    const reply = await udpQuery(IP, PORT, 'a.corp.example');
    assert.deepEqual(addresses(reply), ['192.0.2.10']);
    assert.equal(reply.additionals?.length ?? 0, 0);
  });

  it('keeps OPT in the answer for an EDNS client', async () => {
    const reply = await udpQuery(IP, PORT, 'a.corp.example', { edns: 1232 });
    assert.equal(reply.additionals?.[0]?.type, 'OPT');
  });

  it('truncates a large answer for a client limited to 512 bytes', async () => {
    up.mode = 'big';
    const raw = await udpExchange(IP, PORT, buildQuery('big.corp.example', { type: 'TXT' }));
    assert.ok(raw);
    assert.ok(raw.length <= 512);
    const reply = decode(raw);
    assert.equal(reply.flag_tc, true);
    assert.equal(reply.answers?.length, 0);
  });

  it('sends the whole large answer to a client that can take it', async () => {
    up.mode = 'big';
    const reply = await udpQuery(IP, PORT, 'big.corp.example', { type: 'TXT', edns: 4096 });
    assert.equal(reply.flag_tc, false);
    assert.equal(reply.answers?.length, 20);
  });

  it('answers a large answer in full over TCP', async () => {
    up.mode = 'big';
    const [raw] = await tcpExchange(IP, PORT, [buildQuery('big.corp.example', { type: 'TXT' })]);
    assert.equal(decode(raw!).answers?.length, 20);
  });

  it('retries a truncated upstream reply over TCP from the same source address', async () => {
    up.mode = 'tc';
    const reply = await udpQuery(IP, PORT, 'tc.corp.example', { edns: 1232 });
    assert.equal(reply.flag_tc, false);
    assert.deepEqual(addresses(reply), ['192.0.2.10']);
    assert.deepEqual(up.received.map((r) => r.transport), ['udp', 'tcp']);
    assert.deepEqual(up.received.map((r) => r.address), [SOURCE, SOURCE]);
    assert.equal(dp.stats().tcpRetries, 1);
  });

  it('answers SERVFAIL beyond the in-flight cap', async () => {
    const capped = new DataPlane({ port: PORT, queryTimeoutMs: 500, maxInFlight: 1, cacheSize: 0, udpIo: io });
    capped.setVpcs([{ vpcId: 'vpc-1', rules: [], upstreams: [up.target] }]);
    await capped.bindListener(NET.ip(33), 'vpc-1');
    try {
      up.delayMs = 150;
      const first = udpQuery(NET.ip(33), PORT, 'one.example.org');
      await until('the first query to reach the upstream', () => up.received.some((q) => q.packet.questions?.[0]?.name === 'one.example.org'));
      const second = await udpQuery(NET.ip(33), PORT, 'two.example.org');
      assert.equal(second.rcode, 'SERVFAIL');
      assert.equal((await first).rcode, 'NOERROR');
      assert.equal(capped.stats().overflows, 1);
    } finally {
      await capped.close();
    }
  });
});
