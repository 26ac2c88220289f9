// Cache tests over real sockets: hits, TTL decrement and expiry on a manual clock, negative caching, flush on setVpcs.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/domain/clock.ts';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import type { VpcContext } from '../../src/dataplane/types.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { FakeUpstream, ttlOf, udpQuery } from './helpers.ts';

const NET = loopbackNet();
const PORT = await freeDnsPort([61, 62, 65].map((h) => NET.ip(h)));
const IP = NET.ip(61);
const IP_B = NET.ip(62);

describe('DataPlane cache', () => {
  let up: FakeUpstream;
  let clock: ManualClock;
  let dp: DataPlane;
  const vpc = (id: string): VpcContext => ({ vpcId: id, rules: [{ id: 'r', domain: 'corp.example', targets: [up.target], sourceIps: [NET.ip(63)], endpointId: 'ep' }], upstreams: [] });

  before(async () => {
    up = await FakeUpstream.start(NET.ip(131));
    clock = new ManualClock();
    dp = new DataPlane({ port: PORT, clock, queryTimeoutMs: 200 });
    await dp.bindListener(IP, 'vpc-a');
    await dp.bindListener(IP_B, 'vpc-b');
  });
  beforeEach(() => {
    dp.setVpcs([]); // flushes everything
    dp.setVpcs([vpc('vpc-a'), vpc('vpc-b')]);
    up.mode = 'answer';
    up.ttl = 300;
    up.received.length = 0;
  });
  after(async () => {
    await dp.close();
    await up.close();
  });

  it('answers a repeated question from the cache with TTLs lowered by the time elapsed', async () => {
    await udpQuery(IP, PORT, 'www.corp.example');
    clock.advance(100_000);
    const reply = await udpQuery(IP, PORT, 'WWW.corp.example', { id: 77 });
    assert.equal(up.received.length, 1);
    assert.equal(reply.id, 77);
    assert.equal(reply.questions?.[0]?.name, 'WWW.corp.example');
    assert.equal(ttlOf(reply.answers?.[0]), 200);
  });

  it('asks the upstream again once the TTL has passed', async () => {
    await udpQuery(IP, PORT, 'www.corp.example');
    clock.advance(300_000);
    const reply = await udpQuery(IP, PORT, 'www.corp.example');
    assert.equal(up.received.length, 2);
    assert.equal(ttlOf(reply.answers?.[0]), 300);
  });

  it('caches NXDOMAIN for min(SOA TTL, SOA MINIMUM)', async () => {
    up.mode = 'nxdomain'; // SOA TTL 600, MINIMUM 60
    await udpQuery(IP, PORT, 'nx.corp.example');
    clock.advance(59_000);
    const cached = await udpQuery(IP, PORT, 'nx.corp.example');
    assert.equal(cached.rcode, 'NXDOMAIN');
    assert.equal(up.received.length, 1);
    clock.advance(1_000);
    await udpQuery(IP, PORT, 'nx.corp.example');
    assert.equal(up.received.length, 2);
  });

  it('caches NODATA negatively too', async () => {
    up.mode = 'nodata';
    await udpQuery(IP, PORT, 'empty.corp.example');
    await udpQuery(IP, PORT, 'empty.corp.example');
    assert.equal(up.received.length, 1);
  });

  it('keeps each VPC its own cache', async () => {
    await udpQuery(IP, PORT, 'www.corp.example');
    await udpQuery(IP_B, PORT, 'www.corp.example');
    assert.equal(up.received.length, 2);
  });

  it('keys on the DO bit', async () => {
    await udpQuery(IP, PORT, 'www.corp.example', { edns: 1232 });
    const stats = dp.stats();
    await udpQuery(IP, PORT, 'www.corp.example', { edns: 1232 });
    assert.equal(dp.stats().cacheHits, stats.cacheHits + 1);
  });

  it('does not cache SERVFAIL', async () => {
    up.mode = 'silent';
    assert.equal((await udpQuery(IP, PORT, 'www.corp.example')).rcode, 'SERVFAIL');
    up.mode = 'answer';
    assert.equal((await udpQuery(IP, PORT, 'www.corp.example')).rcode, 'NOERROR');
  });

  it('does not cache a truncated reply', async () => {
    up.mode = 'tc';
    const reply = await udpQuery(IP, PORT, 'tc.corp.example');
    assert.equal(reply.flag_tc, false); // retried over TCP
    const count = up.received.length;
    await udpQuery(IP, PORT, 'tc.corp.example');
    assert.equal(up.received.length, count, 'the full TCP answer is cached, not the truncated one');
  });

  it('flushes a VPC whose routing changed and keeps the others', async () => {
    await udpQuery(IP, PORT, 'www.corp.example');
    await udpQuery(IP_B, PORT, 'www.corp.example');
    dp.setVpcs([{ ...vpc('vpc-a'), rules: [{ ...vpc('vpc-a').rules[0]!, sourceIps: [NET.ip(64)] }] }, vpc('vpc-b')]);
    await udpQuery(IP, PORT, 'www.corp.example');
    await udpQuery(IP_B, PORT, 'www.corp.example');
    assert.equal(up.received.length, 3);
    assert.equal(up.received[2]?.address, NET.ip(64));
  });

  it('keeps the cache when setVpcs repeats the same routing', async () => {
    await udpQuery(IP, PORT, 'www.corp.example');
    dp.setVpcs([vpc('vpc-a'), vpc('vpc-b')]);
    await udpQuery(IP, PORT, 'www.corp.example');
    assert.equal(up.received.length, 1);
  });

  it('does not cache when cacheSize is 0', async () => {
    const nocache = new DataPlane({ port: PORT, cacheSize: 0 });
    nocache.setVpcs([vpc('vpc-a')]);
    await nocache.bindListener(NET.ip(65), 'vpc-a');
    try {
      await udpQuery(NET.ip(65), PORT, 'www.corp.example');
      await udpQuery(NET.ip(65), PORT, 'www.corp.example');
      assert.equal(up.received.length, 2);
    } finally {
      await nocache.close();
    }
  });
});
