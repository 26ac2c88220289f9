// A bounded LRU packet cache: wire replies keyed per VPC and question, TTLs decremented on the way out.
//
// Laid out for the garbage collector. A caching forwarder stores every reply it forwards, so under a
// stream of distinct names every query adds an entry that lives long enough to be copied by V8's young
// generation collector and promoted; and a JavaScript Map that loses and gains an entry per query
// rebuilds its whole table every few hundred (or, for a small cache, every few dozen) inserts. With a key
// string, an object, a Buffer and an array per entry, that cost more than the rest of a forwarded query.
// Here an entry owns no object at all. It is a slot number, found through an open-addressing hash table
// (linear probing, backward-shift deletion) of 30-bit question hashes in an Int32Array; the LRU order is
// a doubly linked list through the slots; its times and question fields live in typed arrays; its name,
// reply bytes and TTL offsets in a fixed-size slot of a slab (an entry larger than a slot keeps a Buffer
// of its own). The hash is keyed with a random seed, and a hit is confirmed by comparing the whole
// question, so a collision is a miss (the newer entry replaces the older), never a wrong answer.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../domain/clock.ts';
import type { CacheVerdict } from './reply-scan.ts';
import { copyBytes } from './wire.ts';

/** The DO and CD bits of a query, which change its answer, as the cache keys them. */
export function cacheFlags(dnssecOk: boolean, checkingDisabled: boolean): number {
  return (dnssecOk ? 1 : 0) | (checkingDisabled ? 2 : 0);
}

/**
 * A 30-bit FNV-1a hash of a question (vpc is the cache's index for the VPC), seeded so that collisions
 * cannot be planned from outside.
 */
export function questionHash(seed: number, vpc: number, qname: string, qtype: number, qclass: number, flags: number): number {
  let h = Math.imul(seed ^ vpc, 0x01000193);
  h = Math.imul(h ^ ((qtype << 16) | qclass), 0x01000193);
  h = Math.imul(h ^ flags, 0x01000193);
  for (let i = 0; i < qname.length; i++) h = Math.imul(h ^ qname.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h & 0x3fffffff;
}

/** Bytes per slot: the name, the reply, then its TTL offsets (2 bytes each). Most A/AAAA answers fit. */
export const SLOT_BYTES = 256;
/** Slots per slab: slabs are allocated as the cache fills, 1 MiB at a time. */
const SLAB_SLOTS = 4096;

const NONE = -1;

export class PacketCache {
  /** Open-addressing table of slot + 1 (0: empty), indexed by question hash; at most half full. */
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly hashOf: Int32Array;
  // The LRU order: a list through the slots, from the least recently used (head) to the most (tail).
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private head = NONE;
  private tail = NONE;
  private count = 0;
  private readonly storedAt: Float64Array; // clock ms
  private readonly expiresAt: Float64Array; // clock ms
  private readonly vpcOf: Int32Array; // index into vpcIndex
  private readonly typeClass: Int32Array; // qtype << 16 | qclass
  private readonly flagsOf: Uint8Array;
  private readonly nameLength: Int32Array;
  private readonly wireLength: Int32Array;
  private readonly ttlCount: Int32Array;
  private readonly slabs: Buffer[] = [];
  /** Entries too large for a slot, by slot. */
  private readonly large = new Map<number, Buffer>();
  private readonly free: Int32Array;
  private freeCount = 0;
  /** Slots handed out so far (the ones above are untouched and need no slab yet). */
  private used = 0;
  private readonly vpcIndex = new Map<string, number>();
  private readonly seed: number;

  constructor(
    private readonly capacity: number,
    private readonly clock: Clock,
    /** The hash seed; random unless a test fixes it. */
    seed?: number,
  ) {
    this.seed = seed ?? randomBytes(4).readInt32LE(0);
    const n = Math.max(0, capacity);
    let tableSize = 2;
    while (tableSize < 2 * n) tableSize *= 2;
    this.table = new Int32Array(tableSize);
    this.mask = tableSize - 1;
    this.hashOf = new Int32Array(n);
    this.prev = new Int32Array(n);
    this.next = new Int32Array(n);
    this.storedAt = new Float64Array(n);
    this.expiresAt = new Float64Array(n);
    this.vpcOf = new Int32Array(n);
    this.typeClass = new Int32Array(n);
    this.flagsOf = new Uint8Array(n);
    this.nameLength = new Int32Array(n);
    this.wireLength = new Int32Array(n);
    this.ttlCount = new Int32Array(n);
    this.free = new Int32Array(n);
  }

  get size(): number {
    return this.count;
  }

  /**
   * A fresh copy of the reply cached for this question in this VPC, with TTLs lowered by the time spent
   * in the cache, or undefined. qname as parseQuery gives it (lower case); flags from cacheFlags.
   */
  get(vpcId: string, qname: string, qtype: number, qclass: number, flags: number): Buffer | undefined {
    const vpc = this.vpcIndex.get(vpcId);
    if (vpc === undefined || this.count === 0) return undefined;
    const slot = this.find(questionHash(this.seed, vpc, qname, qtype, qclass, flags));
    if (slot === NONE || !this.holds(slot, vpc, qname, qtype, qclass, flags)) return undefined;
    const now = this.clock.now();
    if (now >= this.expiresAt[slot]!) {
      this.remove(slot);
      return undefined;
    }
    this.unlink(slot);
    this.append(slot);
    const length = this.wireLength[slot]!;
    const store = this.bufferOf(slot);
    const at = this.offsetOf(slot) + this.nameLength[slot]!;
    const out = Buffer.allocUnsafe(length);
    copyBytes(store, at, at + length, out, 0);
    const elapsed = Math.floor((now - this.storedAt[slot]!) / 1000);
    if (elapsed > 0) {
      const ttls = this.ttlCount[slot]!;
      for (let i = 0, p = at + length; i < ttls; i++, p += 2) {
        const offset = store.readUInt16BE(p);
        const ttl = out.readUInt32BE(offset);
        out.writeUInt32BE(ttl > 0x7fffffff ? 0 : Math.max(0, ttl - elapsed), offset);
      }
    }
    return out;
  }

  /** Stores a copy of wire for this question (replacing what was stored for it) if the verdict allows. */
  set(vpcId: string, qname: string, qtype: number, qclass: number, flags: number, wire: Buffer, verdict: CacheVerdict): void {
    if (this.capacity <= 0 || verdict.ttl <= 0) return;
    const now = this.clock.now();
    const vpc = this.indexOfVpc(vpcId);
    const hash = questionHash(this.seed, vpc, qname, qtype, qclass, flags);
    let slot = this.find(hash);
    if (slot !== NONE) {
      // The same question again, or another one with the same hash: either way the newer reply takes the slot.
      this.large.delete(slot);
      this.unlink(slot);
    } else {
      if (this.count === this.capacity) this.remove(this.head);
      slot = this.allocate();
      this.hashOf[slot] = hash;
      this.insert(slot);
      this.count++;
    }
    this.append(slot);
    this.storedAt[slot] = now;
    this.expiresAt[slot] = now + verdict.ttl * 1000;
    this.vpcOf[slot] = vpc;
    this.typeClass[slot] = (qtype << 16) | qclass;
    this.flagsOf[slot] = flags;
    const offsets = verdict.ttlOffsets;
    this.nameLength[slot] = qname.length;
    this.wireLength[slot] = wire.length;
    this.ttlCount[slot] = offsets.length;
    const bytes = qname.length + wire.length + 2 * offsets.length;
    if (bytes > SLOT_BYTES) this.large.set(slot, Buffer.allocUnsafe(bytes));
    const store = this.bufferOf(slot);
    let at = this.offsetOf(slot);
    at += store.write(qname, at, 'latin1');
    store.set(wire, at);
    at += wire.length;
    for (let i = 0; i < offsets.length; i++, at += 2) store.writeUInt16BE(offsets[i]!, at);
  }

  /** The slot whose hash is hash, or NONE. */
  private find(hash: number): number {
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const entry = this.table[i]!;
      if (entry === 0) return NONE;
      if (this.hashOf[entry - 1] === hash) return entry - 1;
    }
  }

  /** Puts slot (whose hash is not in the table) in the first free place of its probe sequence. */
  private insert(slot: number): void {
    let i = this.hashOf[slot]! & this.mask;
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = slot + 1;
  }

  /** Takes slot out of the table, shifting back the entries after it that would no longer be found. */
  private erase(slot: number): void {
    let i = this.hashOf[slot]! & this.mask;
    while (this.table[i] !== slot + 1) i = (i + 1) & this.mask;
    this.table[i] = 0;
    for (let j = (i + 1) & this.mask; this.table[j] !== 0; j = (j + 1) & this.mask) {
      const home = this.hashOf[this.table[j]! - 1]! & this.mask;
      // The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        this.table[i] = this.table[j]!;
        this.table[j] = 0;
        i = j;
      }
    }
  }

  private unlink(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
  }

  /** Makes slot the most recently used. */
  private append(slot: number): void {
    this.prev[slot] = this.tail;
    this.next[slot] = NONE;
    if (this.tail === NONE) this.head = slot;
    else this.next[this.tail] = slot;
    this.tail = slot;
  }

  /** Drops one entry: out of the table and the order, its slot free again. */
  private remove(slot: number): void {
    this.erase(slot);
    this.unlink(slot);
    this.large.delete(slot);
    this.free[this.freeCount++] = slot;
    this.count--;
  }

  /** Whether slot holds exactly this question (not another one with the same hash). */
  private holds(slot: number, vpc: number, qname: string, qtype: number, qclass: number, flags: number): boolean {
    if (this.vpcOf[slot] !== vpc || this.typeClass[slot] !== ((qtype << 16) | qclass) || this.flagsOf[slot] !== flags) return false;
    if (this.nameLength[slot] !== qname.length) return false;
    const store = this.bufferOf(slot);
    const at = this.offsetOf(slot);
    for (let i = 0; i < qname.length; i++) if (store[at + i] !== qname.charCodeAt(i)) return false;
    return true;
  }

  /** The buffer that holds slot's name, reply and TTL offsets... */
  private bufferOf(slot: number): Buffer {
    return (this.large.size > 0 ? this.large.get(slot) : undefined) ?? this.slabs[Math.floor(slot / SLAB_SLOTS)]!;
  }

  /** ...and where in it they start. */
  private offsetOf(slot: number): number {
    return this.large.size > 0 && this.large.has(slot) ? 0 : (slot % SLAB_SLOTS) * SLOT_BYTES;
  }

  /** A slot to fill: a freed one or a new one (the caller has made room). */
  private allocate(): number {
    if (this.freeCount > 0) return this.free[--this.freeCount]!;
    const slot = this.used++;
    if (slot % SLAB_SLOTS === 0) this.slabs.push(Buffer.allocUnsafe(Math.min(SLAB_SLOTS, this.capacity - slot) * SLOT_BYTES));
    return slot;
  }

  private indexOfVpc(vpcId: string): number {
    let i = this.vpcIndex.get(vpcId);
    if (i === undefined) this.vpcIndex.set(vpcId, (i = this.vpcIndex.size));
    return i;
  }

  /** Drops every entry of one VPC (its routing changed). O(size), off the hot path. */
  flushVpc(vpcId: string): number {
    const index = this.vpcIndex.get(vpcId);
    if (index === undefined) return 0;
    let dropped = 0;
    for (let slot = this.head; slot !== NONE; ) {
      const after = this.next[slot]!;
      if (this.vpcOf[slot] === index) {
        this.remove(slot);
        dropped++;
      }
      slot = after;
    }
    return dropped;
  }

  clear(): void {
    this.table.fill(0);
    this.large.clear();
    this.head = NONE;
    this.tail = NONE;
    this.count = 0;
    this.freeCount = 0;
    this.used = 0;
    this.slabs.length = 0;
  }
}
