// A bounded LRU packet cache: wire replies keyed per VPC and question, TTLs decremented on the way out.
import type { Clock } from '../domain/clock.ts';
import type { CacheVerdict } from './reply-scan.ts';

interface Entry {
  readonly vpcId: string;
  readonly wire: Buffer;
  readonly ttlOffsets: readonly number[];
  readonly storedAt: number; // clock ms
  readonly expiresAt: number; // clock ms
  /** The value of PacketCache.tick when the entry was last (re)inserted. */
  tick: number;
}

/** The cache key: VPC, case-folded name, type, class and the DO and CD bits (they change the answer). */
export function cacheKey(vpcId: string, qname: string, qtype: number, qclass: number, dnssecOk: boolean, checkingDisabled: boolean): string {
  return `${vpcId}\u0000${qname}\u0000${qtype}\u0000${qclass}\u0000${dnssecOk ? 1 : 0}${checkingDisabled ? 1 : 0}`;
}

export class PacketCache {
  // A Map iterates in insertion order; re-inserting on a hit makes the first key the least recently used.
  // A hit re-inserts only an entry that has fallen into the older part of the order (more than a quarter
  // of the capacity inserted since): hot entries then cost a look-up, not a delete and an insert, and an
  // entry in use is still never the next to go. Below 4 entries this is exact LRU.
  private readonly entries = new Map<string, Entry>();
  private tick = 0;
  private readonly refreshAfter: number;

  constructor(
    private readonly capacity: number,
    private readonly clock: Clock,
  ) {
    this.refreshAfter = Math.floor(capacity / 4);
  }

  get size(): number {
    return this.entries.size;
  }

  /** A fresh copy of the cached reply with TTLs lowered by the time spent in the cache, or undefined. */
  get(key: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const now = this.clock.now();
    if (now >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.tick - entry.tick > this.refreshAfter) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      entry.tick = ++this.tick;
    }
    const out = Buffer.from(entry.wire);
    const elapsed = Math.floor((now - entry.storedAt) / 1000);
    if (elapsed > 0) {
      for (const offset of entry.ttlOffsets) {
        const ttl = out.readUInt32BE(offset);
        out.writeUInt32BE(ttl > 0x7fffffff ? 0 : Math.max(0, ttl - elapsed), offset);
      }
    }
    return out;
  }

  set(key: string, vpcId: string, wire: Buffer, verdict: CacheVerdict): void {
    if (this.capacity <= 0 || verdict.ttl <= 0) return;
    const now = this.clock.now();
    this.entries.delete(key);
    this.entries.set(key, { vpcId, wire: Buffer.from(wire), ttlOffsets: verdict.ttlOffsets, storedAt: now, expiresAt: now + verdict.ttl * 1000, tick: ++this.tick });
    if (this.entries.size > this.capacity) this.evict();
  }

  /**
   * Drops the oldest entries: a batch of 1/64 of the capacity at once, because every walk from the
   * front of a Map passes over the slots its deletions left behind (one walk per insert made a full
   * cache cost more than the rest of a miss).
   */
  private evict(): void {
    let excess = this.entries.size - this.capacity + Math.floor(this.capacity / 64);
    for (const key of this.entries.keys()) {
      if (excess-- <= 0) break;
      this.entries.delete(key);
    }
  }

  /** Drops every entry of one VPC (its routing changed). O(size), off the hot path. */
  flushVpc(vpcId: string): number {
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (entry.vpcId === vpcId) {
        this.entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  clear(): void {
    this.entries.clear();
  }
}
