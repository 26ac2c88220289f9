// Routing tests: rules forward from their source address, most specific rule wins, default upstreams, REFUSED and SERVFAIL.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import type { ForwardRule, VpcContext } from '../../src/dataplane/types.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { FakeUpstream, addresses, udpQuery } from './helpers.ts';

const NET = loopbackNet();
const PORT = await freeDnsPort([11, 12, 13].map((h) => NET.ip(h)));
const IP = NET.ip(11);

describe('DataPlane routing', () => {
  let corp: FakeUpstream;
  let sub: FakeUpstream;
  let fallback: FakeUpstream;
  let dp: DataPlane;

  const rule = (id: string, domain: string, target: FakeUpstream, sourceIps: string[]): ForwardRule => ({ id, domain, targets: [target.target], sourceIps, endpointId: 'ep-out' });
  const vpc = (): VpcContext => ({
    vpcId: 'vpc-1',
    rules: [rule('r-corp', 'corp.example', corp, [NET.ip(21)]), rule('r-sub', 'a.corp.example', sub, [NET.ip(22)]), rule('r-nosrc', 'dead.example', corp, [])],
    upstreams: [fallback.target],
  });

  before(async () => {
    corp = await FakeUpstream.start(NET.ip(101), '192.0.2.1');
    sub = await FakeUpstream.start(NET.ip(102), '192.0.2.2');
    fallback = await FakeUpstream.start(NET.ip(103), '192.0.2.3');
    dp = new DataPlane({ port: PORT, queryTimeoutMs: 300, cacheSize: 0 });
    await dp.bindListener(IP, 'vpc-1');
    await dp.bindListener(NET.ip(12), 'vpc-bare');
    await dp.bindListener(NET.ip(13), 'vpc-unknown');
  });
  beforeEach(() => {
    dp.setVpcs([vpc(), { vpcId: 'vpc-bare', rules: [], upstreams: [] }]);
    for (const u of [corp, sub, fallback]) u.received.length = 0;
  });
  after(async () => {
    await dp.close();
    await Promise.all([corp.close(), sub.close(), fallback.close()]);
  });

  it('forwards a matching query from the rule source address', async () => {
    const reply = await udpQuery(IP, PORT, 'host.corp.example');
    assert.deepEqual(addresses(reply), ['192.0.2.1']);
    assert.equal(corp.received.length, 1);
    assert.equal(corp.received[0]?.address, NET.ip(21));
    assert.equal(corp.received[0]?.transport, 'udp');
  });

  it('sends a fresh query id and echoes the client id', async () => {
    const reply = await udpQuery(IP, PORT, 'host.corp.example', { id: 1234 });
    const second = await udpQuery(IP, PORT, 'host2.corp.example', { id: 1234 });
    assert.equal(reply.id, 1234);
    assert.equal(second.id, 1234);
    assert.notDeepEqual([corp.received[0]?.packet.id, corp.received[1]?.packet.id], [1234, 1234]);
  });

  it('prefers the most specific rule', async () => {
    const reply = await udpQuery(IP, PORT, 'x.a.corp.example');
    assert.deepEqual(addresses(reply), ['192.0.2.2']);
    assert.equal(sub.received[0]?.address, NET.ip(22));
    assert.equal(corp.received.length, 0);
  });

  it('matches whole labels only', async () => {
    const reply = await udpQuery(IP, PORT, 'notcorp.example');
    assert.deepEqual(addresses(reply), ['192.0.2.3']);
    assert.equal(corp.received.length, 0);
  });

  it('matches case-insensitively and keeps the client case in the answer', async () => {
    const reply = await udpQuery(IP, PORT, 'Host.CORP.Example');
    assert.deepEqual(addresses(reply), ['192.0.2.1']);
    assert.equal(reply.questions?.[0]?.name, 'Host.CORP.Example');
  });

  it('sends unmatched queries to the VPC upstreams', async () => {
    const reply = await udpQuery(IP, PORT, 'www.example.org');
    assert.deepEqual(addresses(reply), ['192.0.2.3']);
    assert.equal(fallback.received.length, 1);
  });

  it('answers SERVFAIL when the matched rule has no source address', async () => {
    const reply = await udpQuery(IP, PORT, 'www.dead.example');
    assert.equal(reply.rcode, 'SERVFAIL');
    assert.equal(corp.received.length, 0);
  });

  it('answers REFUSED when nothing matches and the VPC has no upstreams', async () => {
    const reply = await udpQuery(NET.ip(12), PORT, 'www.example.org');
    assert.equal(reply.rcode, 'REFUSED');
  });

  it('answers REFUSED for a listener whose VPC has no context', async () => {
    const reply = await udpQuery(NET.ip(13), PORT, 'www.example.org');
    assert.equal(reply.rcode, 'REFUSED');
  });

  it('applies a new configuration to the next query without a restart', async () => {
    assert.deepEqual(addresses(await udpQuery(IP, PORT, 'svc.other.example')), ['192.0.2.3']);
    dp.setVpcs([{ ...vpc(), rules: [...vpc().rules, rule('r-other', 'other.example', sub, [NET.ip(23)])] }]);
    assert.deepEqual(addresses(await udpQuery(IP, PORT, 'svc.other.example')), ['192.0.2.2']);
    assert.equal(sub.received.at(-1)?.address, NET.ip(23));
    dp.setVpcs([{ ...vpc(), rules: [], upstreams: [] }]);
    assert.equal((await udpQuery(IP, PORT, 'svc.other.example')).rcode, 'REFUSED');
  });

  it('passes NXDOMAIN through', async () => {
    corp.mode = 'nxdomain';
    try {
      const reply = await udpQuery(IP, PORT, 'missing.corp.example');
      assert.equal(reply.rcode, 'NXDOMAIN');
      assert.equal(reply.authorities?.[0]?.type, 'SOA');
    } finally {
      corp.mode = 'answer';
    }
  });

  it('counts queries and answers by rcode', async () => {
    const before = dp.stats();
    await udpQuery(IP, PORT, 'host.corp.example');
    await udpQuery(NET.ip(12), PORT, 'host.corp.example');
    const after = dp.stats();
    assert.equal(after.queries - before.queries, 2);
    assert.equal((after.answersByRcode.NOERROR ?? 0) - (before.answersByRcode.NOERROR ?? 0), 1);
    assert.equal((after.answersByRcode.REFUSED ?? 0) - (before.answersByRcode.REFUSED ?? 0), 1);
    assert.equal(after.inFlight, 0);
  });
});
