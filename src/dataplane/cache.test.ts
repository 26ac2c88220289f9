// Unit tests of the packet cache: LRU bound, TTL decrement and expiry on a manual clock, per-VPC flush.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { ManualClock } from '../domain/clock.ts';
import { PacketCache, SLOT_BYTES, questionHash } from './cache.ts';
import { CacheVerdict, scanReplyForCache } from './reply-scan.ts';

const limits = { maxTtl: 86400, maxNegativeTtl: 3600 };
/** A fixed hash seed: with the random one, two of the thousands of names a test stores could collide (a miss, by design). */
const SEED = 0x5eed;

function reply(name: string, ttl: number): { wire: Buffer; questionEnd: number } {
  const wire = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name, type: 'A' }], answers: [{ type: 'A', name, ttl, data: '192.0.2.1' }] });
  return { wire, questionEnd: 12 + name.length + 2 + 4 };
}

type Key = [vpc: string, name: string, qtype: number, qclass: number, flags: number];

function store(cache: PacketCache, vpc: string, name: string, ttl: number, flags = 0): Key {
  const r = reply(name, ttl);
  cache.set(vpc, name, 1, 1, flags, r.wire, scanReplyForCache(r.wire, r.questionEnd, limits));
  return [vpc, name, 1, 1, flags];
}

function lookup(cache: PacketCache, key: Key): Buffer | undefined {
  return cache.get(...key);
}

describe('PacketCache', () => {
  it('serves a copy with TTLs lowered by whole seconds elapsed', () => {
    const clock = new ManualClock();
    const cache = new PacketCache(10, clock, SEED);
    const key = store(cache, 'v', 'a.example', 300);
    clock.advance(100_500);
    const hit = lookup(cache, key);
    assert.ok(hit);
    const answer = dnsPacket.decode(hit).answers?.[0];
    assert.equal(answer !== undefined && 'ttl' in answer ? answer.ttl : undefined, 200);
  });

  it('expires an entry when its TTL has passed', () => {
    const clock = new ManualClock();
    const cache = new PacketCache(10, clock, SEED);
    const key = store(cache, 'v', 'a.example', 30);
    clock.advance(29_999);
    assert.ok(lookup(cache, key));
    clock.advance(1);
    assert.equal(lookup(cache, key), undefined);
  });

  it('evicts the least recently used entry beyond its capacity', () => {
    const cache = new PacketCache(2, new ManualClock(), SEED);
    const a = store(cache, 'v', 'a.example', 300);
    const b = store(cache, 'v', 'b.example', 300);
    assert.ok(lookup(cache, a)); // a is now the most recent
    const c = store(cache, 'v', 'c.example', 300);
    assert.equal(lookup(cache, b), undefined);
    assert.ok(lookup(cache, a));
    assert.ok(lookup(cache, c));
  });

  it('keeps an entry in use while many others come and go', () => {
    const cache = new PacketCache(100, new ManualClock(), SEED);
    const hot = store(cache, 'v', 'hot.example', 300);
    for (let i = 0; i < 1000; i++) {
      store(cache, 'v', `n${i}.example`, 300);
      assert.ok(lookup(cache, hot), `evicted after ${i} insertions`);
    }
    assert.equal(cache.size, 100);
    // The least recently used still goes first: an old entry not read since is gone.
    assert.equal(lookup(cache, ['v', 'n0.example', 1, 1, 0]), undefined);
  });

  it('evicts in least-recently-used order once an old entry is read again', () => {
    const cache = new PacketCache(8, new ManualClock(), SEED);
    const keys = Array.from({ length: 8 }, (_, i) => store(cache, 'v', `k${i}.example`, 300));
    assert.ok(lookup(cache, keys[0]!)); // the oldest, read again: now the newest
    store(cache, 'v', 'new.example', 300);
    assert.ok(lookup(cache, keys[0]!));
    assert.equal(lookup(cache, keys[1]!), undefined);
  });

  it('flushes one VPC and keeps the others', () => {
    const cache = new PacketCache(10, new ManualClock(), SEED);
    const a = store(cache, 'v1', 'a.example', 300);
    const b = store(cache, 'v2', 'a.example', 300);
    assert.equal(cache.flushVpc('v1'), 1);
    assert.equal(lookup(cache, a), undefined);
    assert.ok(lookup(cache, b));
  });

  it('keeps DO and CD variants of a question apart', () => {
    const cache = new PacketCache(10, new ManualClock(), SEED);
    const plain = store(cache, 'v', 'a.example', 300, 0);
    assert.ok(lookup(cache, plain));
    assert.equal(lookup(cache, ['v', 'a.example', 1, 1, 1]), undefined);
    assert.equal(lookup(cache, ['v', 'a.example', 1, 1, 2]), undefined);
    assert.equal(lookup(cache, ['v', 'a.example', 28, 1, 0]), undefined);
  });

  it('never answers one question with another that has the same hash: the newer entry replaces the older', () => {
    const seed = 12345;
    // Two names whose hashes collide (birthday search over the 30-bit hash, VPC index 0).
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const name = `n${i}.example`;
      const h = questionHash(seed, 0, name, 1, 1, 0);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, name];
      else seen.set(h, name);
    }
    const [first, second] = pair;
    const cache = new PacketCache(10, new ManualClock(), seed);
    const a = store(cache, 'v', first, 300);
    assert.equal(lookup(cache, ['v', second, 1, 1, 0]), undefined, 'a colliding question is a miss, not the other answer');
    const b = store(cache, 'v', second, 300);
    assert.equal(lookup(cache, a), undefined, 'the newer entry took the slot');
    const hit = lookup(cache, b);
    assert.ok(hit);
    assert.equal(dnsPacket.decode(hit).questions?.[0]?.name, second);
    assert.equal(cache.size, 1);
  });

  it('stores an entry larger than a slot, and a long name, with TTLs still lowered', () => {
    const clock = new ManualClock();
    const cache = new PacketCache(4, clock, SEED);
    const name = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example`;
    const answers = Array.from({ length: 8 }, (_, i) => ({ type: 'A' as const, name, ttl: 300, data: `192.0.2.${i + 1}` }));
    const wire = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name, type: 'A' }], answers });
    assert.ok(wire.length + name.length > SLOT_BYTES);
    cache.set('v', name, 1, 1, 0, wire, scanReplyForCache(wire, 12 + name.length + 2 + 4, limits));
    const small = store(cache, 'v', 'small.example', 300);
    clock.advance(10_000);
    const hit = cache.get('v', name, 1, 1, 0);
    assert.ok(hit);
    const decoded = dnsPacket.decode(hit);
    assert.equal(decoded.answers?.length, 8);
    assert.deepEqual(
      decoded.answers?.map((a) => ('ttl' in a ? a.ttl : undefined)),
      Array(8).fill(290),
    );
    assert.ok(lookup(cache, small));
  });

  it('keeps every entry intact across more than one slab', () => {
    const cache = new PacketCache(5000, new ManualClock(), SEED);
    for (let i = 0; i < 5000; i++) store(cache, 'v', `h${i}.example`, 300);
    assert.equal(cache.size, 5000);
    for (const i of [0, 4095, 4096, 4999]) {
      const hit = lookup(cache, ['v', `h${i}.example`, 1, 1, 0]);
      assert.ok(hit, `h${i}`);
      assert.equal(dnsPacket.decode(hit).questions?.[0]?.name, `h${i}.example`);
    }
  });

  it('agrees with a plain LRU model over thousands of random operations (probing, wrap-around, deletion)', () => {
    // A small table (capacity 8, 16 places) makes probe sequences collide, wrap and shift back on deletion.
    const clock = new ManualClock();
    const cache = new PacketCache(8, clock, 7);
    // name -> expiry (ms); Map order = LRU order. Expired entries, as in the cache, stay (and count
    // against the capacity) until they are read or evicted.
    const model = new Map<string, number>();
    let seed = 1;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let step = 0; step < 20000; step++) {
      const name = `m${random(24)}.example`;
      const op = random(10);
      if (op < 4) {
        const ttl = 1 + random(30);
        store(cache, 'v', name, ttl);
        if (!model.delete(name) && model.size === 8) model.delete(model.keys().next().value!);
        model.set(name, clock.now() + ttl * 1000);
      } else if (op < 9) {
        const hit = lookup(cache, ['v', name, 1, 1, 0]);
        if (model.has(name) && clock.now() >= model.get(name)!) model.delete(name);
        const expected = model.has(name);
        assert.equal(hit !== undefined, expected, `step ${step}: ${name}`);
        if (expected) {
          assert.equal(dnsPacket.decode(hit!).questions?.[0]?.name, name);
          const expiry = model.get(name)!;
          model.delete(name);
          model.set(name, expiry);
        }
      } else {
        clock.advance(random(3000));
      }
      assert.equal(cache.size, model.size, `step ${step}`);
    }
  });

  it('does not store anything when its capacity is 0', () => {
    const cache = new PacketCache(0, new ManualClock(), SEED);
    const key = store(cache, 'v', 'a.example', 300);
    assert.equal(lookup(cache, key), undefined);
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
  it('scans into a reused verdict: each scan starts afresh, and the offsets grow past their first size', () => {
    const verdict = new CacheVerdict();
    const answers = Array.from({ length: 40 }, (_, i) => ({ type: 'A' as const, name: 'nx.example', ttl: 100 + i, data: '192.0.2.1' }));
    const many = dnsPacket.encode({ type: 'response', id: 1, questions: q, answers });
    assert.equal(scanReplyForCache(many, qEnd, limits, verdict), verdict);
    assert.equal(verdict.ttl, 100);
    assert.equal(verdict.ttlCount, 40);
    // Each TTL offset points at that record's TTL.
    for (let i = 0; i < 40; i++) assert.equal(many.readUInt32BE(verdict.ttlOffsets[i]!), 100 + i);
    const one = dnsPacket.encode({ type: 'response', id: 1, questions: q, answers: [{ type: 'A', name: 'nx.example', ttl: 7, data: '192.0.2.1' }] });
    scanReplyForCache(one, qEnd, limits, verdict);
    assert.deepEqual([verdict.ttl, verdict.ttlCount, verdict.negative], [7, 1, false]);
    const servfail = dnsPacket.encode({ type: 'response', id: 1, flags: 2, questions: q, answers });
    scanReplyForCache(servfail, qEnd, limits, verdict);
    assert.deepEqual([verdict.ttl, verdict.ttlCount], [0, 0]);
  });
});
