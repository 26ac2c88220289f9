// Unit tests of the packet cache: LRU bound, TTL decrement and expiry on a manual clock, per-VPC flush.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { ManualClock } from '../domain/clock.ts';
import { PacketCache, cacheKey } from './cache.ts';
import { scanReplyForCache } from './reply-scan.ts';

const limits = { maxTtl: 86400, maxNegativeTtl: 3600 };

function reply(name: string, ttl: number): { wire: Buffer; questionEnd: number } {
  const wire = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name, type: 'A' }], answers: [{ type: 'A', name, ttl, data: '192.0.2.1' }] });
  return { wire, questionEnd: 12 + name.length + 2 + 4 };
}

function store(cache: PacketCache, vpc: string, name: string, ttl: number): string {
  const key = cacheKey(vpc, name, 1, 1, false, false);
  const r = reply(name, ttl);
  cache.set(key, vpc, r.wire, scanReplyForCache(r.wire, r.questionEnd, limits));
  return key;
}

describe('PacketCache', () => {
  it('serves a copy with TTLs lowered by whole seconds elapsed', () => {
    const clock = new ManualClock();
    const cache = new PacketCache(10, clock);
    const key = store(cache, 'v', 'a.example', 300);
    clock.advance(100_500);
    const hit = cache.get(key);
    assert.ok(hit);
    const answer = dnsPacket.decode(hit).answers?.[0];
    assert.equal(answer !== undefined && 'ttl' in answer ? answer.ttl : undefined, 200);
  });

  it('expires an entry when its TTL has passed', () => {
    const clock = new ManualClock();
    const cache = new PacketCache(10, clock);
    const key = store(cache, 'v', 'a.example', 30);
    clock.advance(29_999);
    assert.ok(cache.get(key));
    clock.advance(1);
    assert.equal(cache.get(key), undefined);
  });

  it('evicts the least recently used entry beyond its capacity', () => {
    const cache = new PacketCache(2, new ManualClock());
    const a = store(cache, 'v', 'a.example', 300);
    const b = store(cache, 'v', 'b.example', 300);
    assert.ok(cache.get(a)); // a is now the most recent
    const c = store(cache, 'v', 'c.example', 300);
    assert.equal(cache.get(b), undefined);
    assert.ok(cache.get(a));
    assert.ok(cache.get(c));
  });

  it('keeps an entry in use while many others come and go (large capacity, refreshed lazily)', () => {
    const cache = new PacketCache(100, new ManualClock());
    const hot = store(cache, 'v', 'hot.example', 300);
    for (let i = 0; i < 1000; i++) {
      store(cache, 'v', `n${i}.example`, 300);
      assert.ok(cache.get(hot), `evicted after ${i} insertions`);
    }
    assert.ok(cache.size <= 100 && cache.size >= 98, `size ${cache.size}`); // bounded; evicted in batches of capacity/64
    // The least recently used still goes first: an old entry not read since is gone.
    assert.equal(cache.get(cacheKey('v', 'n0.example', 1, 1, false, false)), undefined);
  });

  it('evicts in least-recently-used order once an old entry is read again', () => {
    const cache = new PacketCache(8, new ManualClock());
    const keys = Array.from({ length: 8 }, (_, i) => store(cache, 'v', `k${i}.example`, 300));
    assert.ok(cache.get(keys[0]!)); // the oldest, read again: now the newest
    store(cache, 'v', 'new.example', 300);
    assert.ok(cache.get(keys[0]!));
    assert.equal(cache.get(keys[1]!), undefined);
  });

  it('flushes one VPC and keeps the others', () => {
    const cache = new PacketCache(10, new ManualClock());
    const a = store(cache, 'v1', 'a.example', 300);
    const b = store(cache, 'v2', 'a.example', 300);
    assert.equal(cache.flushVpc('v1'), 1);
    assert.equal(cache.get(a), undefined);
    assert.ok(cache.get(b));
  });

  it('does not store anything when its capacity is 0', () => {
    const cache = new PacketCache(0, new ManualClock());
    const key = store(cache, 'v', 'a.example', 300);
    assert.equal(cache.get(key), undefined);
  });
});

describe('scanReplyForCache', () => {
  const soa = { type: 'SOA' as const, name: 'example', ttl: 600, data: { mname: 'ns.example', rname: 'h.example', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 60 } };
  const q = [{ name: 'nx.example', type: 'A' as const }];
  const qEnd = 12 + 'nx.example'.length + 2 + 4;

  it('uses min(SOA TTL, SOA MINIMUM) for NXDOMAIN', () => {
    const wire = dnsPacket.encode({ type: 'response', id: 1, flags: 3, questions: q, authorities: [soa] });
    assert.equal(scanReplyForCache(wire, qEnd, limits).ttl, 60);
  });
  it('uses the SOA TTL when it is the smaller one, for NODATA', () => {
    const wire = dnsPacket.encode({ type: 'response', id: 1, questions: q, authorities: [{ ...soa, ttl: 30 }] });
    assert.equal(scanReplyForCache(wire, qEnd, limits).ttl, 30);
  });
  it('does not cache a negative answer without an SOA', () => {
    const wire = dnsPacket.encode({ type: 'response', id: 1, flags: 3, questions: q });
    assert.equal(scanReplyForCache(wire, qEnd, limits).ttl, 0);
  });
  it('does not cache SERVFAIL or a truncated reply', () => {
    const servfail = dnsPacket.encode({ type: 'response', id: 1, flags: 2, questions: q, authorities: [soa] });
    const tc = dnsPacket.encode({ type: 'response', id: 1, flags: dnsPacket.TRUNCATED_RESPONSE, questions: q, answers: [{ type: 'A', name: 'nx.example', ttl: 300, data: '192.0.2.1' }] });
    assert.equal(scanReplyForCache(servfail, qEnd, limits).ttl, 0);
    assert.equal(scanReplyForCache(tc, qEnd, limits).ttl, 0);
  });
  it('caps a positive TTL at maxTtl and reads a TTL with the top bit set as 0', () => {
    const long = dnsPacket.encode({ type: 'response', id: 1, questions: q, answers: [{ type: 'A', name: 'nx.example', ttl: 999999, data: '192.0.2.1' }] });
    assert.equal(scanReplyForCache(long, qEnd, limits).ttl, 86400);
    const negative = dnsPacket.encode({ type: 'response', id: 1, questions: q, answers: [{ type: 'A', name: 'nx.example', ttl: 0x80000000, data: '192.0.2.1' }] });
    assert.equal(scanReplyForCache(negative, qEnd, limits).ttl, 0);
  });
});
