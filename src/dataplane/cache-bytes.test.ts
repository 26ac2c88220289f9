// Unit tests of the packet cache's byte bounds: the total it holds, the largest entry it keeps, and what it counts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { ManualClock } from '../domain/clock.ts';
import { ENTRY_OVERHEAD_BYTES, PacketCache, SLOT_BYTES } from './cache.ts';
import { scanReplyForCache } from './reply-scan.ts';

const limits = { maxTtl: 86400, maxNegativeTtl: 3600 };
const SEED = 0x5eed;

/** A reply for name with TXT records adding up to about `bytes` of data (0: one A record). */
function reply(name: string, bytes: number, ttl = 300): { wire: Buffer; questionEnd: number } {
  const answers: dnsPacket.Answer[] =
    bytes === 0
      ? [{ type: 'A', name, ttl, data: '192.0.2.1' }]
      : Array.from({ length: Math.ceil(bytes / 250) }, (_, i) => ({ type: 'TXT' as const, name, ttl, data: `${i}`.padEnd(250, 'x') }));
  const wire = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name, type: 'TXT' }], answers });
  return { wire, questionEnd: 12 + name.length + 2 + 4 };
}

/** Stores the reply and returns what its entry costs against the byte bound (as docs/dataplane.md says). */
function store(cache: PacketCache, name: string, bytes: number, ttl = 300): number {
  const r = reply(name, bytes, ttl);
  const verdict = scanReplyForCache(r.wire, r.questionEnd, limits);
  const size = name.length + r.wire.length + 2 * verdict.ttlCount;
  cache.set('v', name, 16, 1, 0, r.wire, verdict);
  return ENTRY_OVERHEAD_BYTES + (size > SLOT_BYTES ? size : 0);
}

const has = (cache: PacketCache, name: string): boolean => cache.get('v', name, 16, 1, 0) !== undefined;

describe('PacketCache byte bound', () => {
  it('counts a small entry as its record and slot, and a large one with its own buffer; back to 0 when emptied', () => {
    const clock = new ManualClock();
    const cache = new PacketCache(10, clock, SEED, { maxBytes: 1 << 20, maxEntryBytes: 65536 });
    assert.equal(store(cache, 'small.example', 0), ENTRY_OVERHEAD_BYTES);
    assert.equal(cache.bytes, ENTRY_OVERHEAD_BYTES);
    const big = store(cache, 'big.example', 4000);
    assert.ok(big > ENTRY_OVERHEAD_BYTES + 4000);
    assert.equal(cache.bytes, ENTRY_OVERHEAD_BYTES + big);
    store(cache, 'big.example', 0, 10); // the same question again, now small: the large buffer is given back
    assert.equal(cache.bytes, 2 * ENTRY_OVERHEAD_BYTES);
    clock.advance(10_000);
    assert.equal(has(cache, 'big.example'), false); // expired when looked up
    assert.equal(cache.bytes, ENTRY_OVERHEAD_BYTES);
    assert.equal(cache.flushVpc('v'), 1);
    assert.equal(cache.bytes, 0);
  });

  it('evicts the least recently used entries to stay within the bound, and counts them as evictions for bytes', () => {
    const maxBytes = 64 * 1024;
    const cache = new PacketCache(1000, new ManualClock(), SEED, { maxBytes, maxEntryBytes: 65536 });
    store(cache, 'hot.example', 6000);
    for (let i = 0; i < 100; i++) {
      store(cache, `n${i}.example`, 6000);
      assert.ok(cache.bytes <= maxBytes, `${cache.bytes} bytes held after ${i + 1} entries`);
      assert.ok(has(cache, 'hot.example'), `the entry in use was evicted after ${i + 1} entries`);
    }
    assert.ok(cache.size < 12, `${cache.size} entries of about 6 KB in 64 KiB`);
    assert.equal(cache.counters.evictedForBytes, 101 - cache.size);
    assert.equal(cache.counters.evictedForEntries, 0);
    assert.ok(has(cache, 'n99.example'));
    assert.equal(has(cache, 'n0.example'), false);
  });

  it('counts evictions for entries apart from evictions for bytes', () => {
    const cache = new PacketCache(3, new ManualClock(), SEED, { maxBytes: 1 << 20, maxEntryBytes: 65536 });
    for (let i = 0; i < 5; i++) store(cache, `e${i}.example`, 0);
    assert.deepEqual(cache.counters, { evictedForEntries: 2, evictedForBytes: 0, tooLarge: 0 });
  });

  it('does not cache an entry over the per-entry cap, and drops the older reply it would have replaced', () => {
    const cache = new PacketCache(10, new ManualClock(), SEED, { maxBytes: 1 << 20, maxEntryBytes: 16384 });
    store(cache, 'grows.example', 1000);
    assert.ok(has(cache, 'grows.example'));
    store(cache, 'grows.example', 20_000);
    assert.equal(has(cache, 'grows.example'), false);
    store(cache, 'huge.example', 60_000);
    assert.equal(has(cache, 'huge.example'), false);
    assert.equal(cache.counters.tooLarge, 2);
    assert.deepEqual([cache.size, cache.bytes], [0, 0]);
  });

  it('agrees with a model of both bounds over thousands of random operations', () => {
    const clock = new ManualClock();
    const capacity = 8;
    const maxBytes = 12 * 1024;
    const maxEntryBytes = 5000;
    const cache = new PacketCache(capacity, clock, 7, { maxBytes, maxEntryBytes });
    // name -> [expiry, cost]; Map order = LRU order.
    const model = new Map<string, [number, number]>();
    const held = (): number => [...model.values()].reduce((sum, [, cost]) => sum + cost, 0);
    let seed = 1;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    const counted = { evictedForEntries: 0, evictedForBytes: 0, tooLarge: 0 };
    for (let step = 0; step < 10000; step++) {
      const name = `m${random(40)}.example`;
      const op = random(10);
      if (op < 4) {
        const ttl = 1 + random(30);
        const size = [0, 0, 0, 200, 1500, 4000, 6000][random(7)]!;
        const r = reply(name, size, ttl);
        const verdict = scanReplyForCache(r.wire, r.questionEnd, limits);
        const bytes = name.length + r.wire.length + 2 * verdict.ttlCount;
        const cost = ENTRY_OVERHEAD_BYTES + (bytes > SLOT_BYTES ? bytes : 0);
        cache.set('v', name, 16, 1, 0, r.wire, verdict);
        const existed = model.delete(name);
        if (bytes > maxEntryBytes) counted.tooLarge++;
        else {
          while (held() + cost > maxBytes && model.size > 0) {
            model.delete(model.keys().next().value!);
            counted.evictedForBytes++;
          }
          if (!existed && model.size === capacity) {
            model.delete(model.keys().next().value!);
            counted.evictedForEntries++;
          }
          model.set(name, [clock.now() + ttl * 1000, cost]);
        }
      } else if (op < 9) {
        const hit = has(cache, name);
        const entry = model.get(name);
        if (entry !== undefined && clock.now() >= entry[0]) model.delete(name);
        assert.equal(hit, model.has(name), `step ${step}: ${name}`);
        if (hit) {
          model.delete(name);
          model.set(name, entry!);
        }
      } else clock.advance(random(3000));
      assert.deepEqual([cache.size, cache.bytes], [model.size, held()], `step ${step}`);
      assert.ok(cache.bytes <= maxBytes);
    }
    assert.deepEqual(cache.counters, counted);
    assert.ok(counted.evictedForBytes > 0 && counted.evictedForEntries > 0 && counted.tooLarge > 0, JSON.stringify(counted));
  });
});
