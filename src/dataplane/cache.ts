// A bounded LRU packet cache: wire replies keyed per VPC and question, TTLs decremented on the way out.
// No object per entry (slots in typed arrays and slabs), for the garbage collector and the processor's
// caches; a hash collision is a miss, never a wrong answer: docs/dataplane.md, "Cache".
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
/** What every entry costs against the byte bound: its record and its slot (a reply too large for the slot adds its own buffer). */
export const ENTRY_OVERHEAD_BYTES = 64 + SLOT_BYTES;

/** The byte bounds of a cache (docs/dataplane.md, "Cache"). */
export interface CacheByteLimits {
  /** Bytes all entries together may hold (ENTRY_OVERHEAD_BYTES each, plus their own buffer when a reply does not fit its slot). */
  readonly maxBytes: number;
  /** An entry (name, reply and TTL offsets) larger than this is not cached. */
  readonly maxEntryBytes: number;
}

/** Entries dropped to make room, by which bound made them go, and replies refused as too large. */
export interface CacheCounters {
  evictedForEntries: number;
  evictedForBytes: number;
  tooLarge: number;
}

const NONE = -1;

// A slot's record: 16 32-bit words (64 bytes); the two times are doubles in its last 16 bytes.
const RECORD_WORDS = 16;
const HASH = 0;
const PREV = 1;
const NEXT = 2;
const VPC = 3; // index into vpcIndex
const TYPE_CLASS = 4; // qtype << 16 | qclass
const FLAGS = 5;
const NAME_LENGTH = 6;
const WIRE_LENGTH = 7;
const TTL_COUNT = 8;
const STORED_AT = 6; // in doubles (clock ms)
const EXPIRES_AT = 7; // in doubles (clock ms)

export class PacketCache {
  /** Open-addressing table of (slot + 1, hash) pairs (0: empty), indexed by question hash; at most half full. */
  private readonly table: Int32Array;
  private readonly mask: number;
  /** The slots' records, as words and as doubles over the same memory. */
  private readonly words: Int32Array;
  private readonly times: Float64Array;
  // The LRU order: a list through the slots, from the least recently used (head) to the most (tail).
  private head = NONE;
  private tail = NONE;
  private count = 0;
  private readonly slabs: Buffer[] = [];
  /** Entries too large for a slot, by slot. */
  private readonly large = new Map<number, Buffer>();
  private readonly free: Int32Array;
  private freeCount = 0;
  /** Slots handed out so far (the ones above are untouched and need no slab yet). */
  private used = 0;
  private readonly vpcIndex = new Map<string, number>();
  private readonly seed: number;
  /** Bytes held by the entries, as the byte bound counts them. */
  private held = 0;
  readonly counters: CacheCounters = { evictedForEntries: 0, evictedForBytes: 0, tooLarge: 0 };

  constructor(
    private readonly capacity: number,
    private readonly clock: Clock,
    /** The hash seed; random unless a test fixes it. */
    seed?: number,
    private readonly limits: CacheByteLimits = { maxBytes: Infinity, maxEntryBytes: Infinity },
  ) {
    this.seed = seed ?? randomBytes(4).readInt32LE(0);
    const n = Math.max(0, capacity);
    let tableSize = 2;
    while (tableSize < 2 * n) tableSize *= 2;
    this.table = new Int32Array(2 * tableSize);
    this.mask = tableSize - 1;
    const records = new ArrayBuffer(n * RECORD_WORDS * 4);
    this.words = new Int32Array(records);
    this.times = new Float64Array(records);
    this.free = new Int32Array(n);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the entries (ENTRY_OVERHEAD_BYTES each, plus the buffers of replies too large for a slot). */
  get bytes(): number {
    return this.held;
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
    const r = slot * RECORD_WORDS;
    if (now >= this.times[r / 2 + EXPIRES_AT]!) {
      this.remove(slot);
      return undefined;
    }
    this.unlink(slot);
    this.append(slot);
    const length = this.words[r + WIRE_LENGTH]!;
    const store = this.bufferOf(slot);
    const at = this.offsetOf(slot) + this.words[r + NAME_LENGTH]!;
    const out = Buffer.allocUnsafe(length);
    copyBytes(store, at, at + length, out, 0);
    const elapsed = Math.floor((now - this.times[r / 2 + STORED_AT]!) / 1000);
    if (elapsed > 0) {
      const ttls = this.words[r + TTL_COUNT]!;
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
    const ttlCount = verdict.ttlCount;
    const bytes = qname.length + wire.length + 2 * ttlCount;
    const cost = ENTRY_OVERHEAD_BYTES + (bytes > SLOT_BYTES ? bytes : 0);
    let slot = this.find(hash);
    if (bytes > this.limits.maxEntryBytes || cost > this.limits.maxBytes) {
      // Not kept; nor is what was kept for this hash, which the newer reply would have replaced.
      this.counters.tooLarge++;
      if (slot !== NONE) this.remove(slot);
      return;
    }
    if (slot !== NONE) {
      // The same question again, or another one with the same hash: either way the newer reply takes the slot.
      this.held -= this.costOf(slot);
      this.large.delete(slot);
      this.unlink(slot);
      this.held += cost;
      this.evictForBytes();
    } else {
      this.held += cost;
      this.evictForBytes();
      if (this.count === this.capacity) {
        this.remove(this.head);
        this.counters.evictedForEntries++;
      }
      slot = this.allocate();
      this.words[slot * RECORD_WORDS + HASH] = hash;
      this.insert(slot, hash);
      this.count++;
    }
    this.append(slot);
    const r = slot * RECORD_WORDS;
    this.times[r / 2 + STORED_AT] = now;
    this.times[r / 2 + EXPIRES_AT] = now + verdict.ttl * 1000;
    this.words[r + VPC] = vpc;
    this.words[r + TYPE_CLASS] = (qtype << 16) | qclass;
    this.words[r + FLAGS] = flags;
    const offsets = verdict.ttlOffsets;
    this.words[r + NAME_LENGTH] = qname.length;
    this.words[r + WIRE_LENGTH] = wire.length;
    this.words[r + TTL_COUNT] = ttlCount;
    if (bytes > SLOT_BYTES) this.large.set(slot, Buffer.allocUnsafe(bytes));
    const store = this.bufferOf(slot);
    let at = this.offsetOf(slot);
    at += store.write(qname, at, 'latin1');
    store.set(wire, at);
    at += wire.length;
    for (let i = 0; i < ttlCount; i++, at += 2) store.writeUInt16BE(offsets[i]!, at);
  }

  /**
   * Drops the least recently used entries while the entries (with the one being stored already counted,
   * and out of the LRU order) hold more than the byte bound.
   */
  private evictForBytes(): void {
    while (this.held > this.limits.maxBytes && this.head !== NONE) {
      this.remove(this.head);
      this.counters.evictedForBytes++;
    }
  }

  /** What slot's entry counts against the byte bound. */
  private costOf(slot: number): number {
    const own = this.large.size > 0 ? this.large.get(slot) : undefined;
    return ENTRY_OVERHEAD_BYTES + (own === undefined ? 0 : own.length);
  }

  /** The slot whose hash is hash, or NONE. */
  private find(hash: number): number {
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const entry = this.table[2 * i]!;
      if (entry === 0) return NONE;
      if (this.table[2 * i + 1] === hash) return entry - 1;
    }
  }

  /** Puts slot (whose hash is not in the table) in the first free place of its probe sequence. */
  private insert(slot: number, hash: number): void {
    let i = hash & this.mask;
    while (this.table[2 * i] !== 0) i = (i + 1) & this.mask;
    this.table[2 * i] = slot + 1;
    this.table[2 * i + 1] = hash;
  }

  /** Takes slot out of the table, shifting back the entries after it that would no longer be found. */
  private erase(slot: number): void {
    let i = this.words[slot * RECORD_WORDS + HASH]! & this.mask;
    while (this.table[2 * i] !== slot + 1) i = (i + 1) & this.mask;
    this.table[2 * i] = 0;
    for (let j = (i + 1) & this.mask; this.table[2 * j] !== 0; j = (j + 1) & this.mask) {
      const home = this.table[2 * j + 1]! & this.mask;
      // The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        this.table[2 * i] = this.table[2 * j]!;
        this.table[2 * i + 1] = this.table[2 * j + 1]!;
        this.table[2 * j] = 0;
        i = j;
      }
    }
  }

  private unlink(slot: number): void {
    const r = slot * RECORD_WORDS;
    const p = this.words[r + PREV]!;
    const n = this.words[r + NEXT]!;
    if (p === NONE) this.head = n;
    else this.words[p * RECORD_WORDS + NEXT] = n;
    if (n === NONE) this.tail = p;
    else this.words[n * RECORD_WORDS + PREV] = p;
  }

  /** Makes slot the most recently used. */
  private append(slot: number): void {
    const r = slot * RECORD_WORDS;
    this.words[r + PREV] = this.tail;
    this.words[r + NEXT] = NONE;
    if (this.tail === NONE) this.head = slot;
    else this.words[this.tail * RECORD_WORDS + NEXT] = slot;
    this.tail = slot;
  }

  /** Drops one entry: out of the table and the order, its slot free again. */
  private remove(slot: number): void {
    this.held -= this.costOf(slot);
    this.erase(slot);
    this.unlink(slot);
    this.large.delete(slot);
    this.free[this.freeCount++] = slot;
    this.count--;
  }

  /** Whether slot holds exactly this question (not another one with the same hash). */
  private holds(slot: number, vpc: number, qname: string, qtype: number, qclass: number, flags: number): boolean {
    const r = slot * RECORD_WORDS;
    if (this.words[r + VPC] !== vpc || this.words[r + TYPE_CLASS] !== ((qtype << 16) | qclass) || this.words[r + FLAGS] !== flags) return false;
    if (this.words[r + NAME_LENGTH] !== qname.length) return false;
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
      const after = this.words[slot * RECORD_WORDS + NEXT]!;
      if (this.words[slot * RECORD_WORDS + VPC] === index) {
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
    this.held = 0;
    this.freeCount = 0;
    this.used = 0;
    this.slabs.length = 0;
  }
}
