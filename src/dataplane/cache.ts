// A bounded LRU packet cache: wire replies keyed per VPC and question, TTLs decremented on the way out.
import type { Clock } from '../domain/clock.ts';
import type { CacheVerdict } from './reply-scan.ts';

interface Entry {
  readonly vpcId: string;
  readonly wire: Buffer;
  readonly ttlOffsets: readonly number[];
  readonly storedAt: number; // clock ms
  readonly expiresAt: number; // clock ms
}

/** The cache key: VPC, case-folded name, type, class and the DO and CD bits (they change the answer). */
export function cacheKey(vpcId: string, qname: string, qtype: number, qclass: number, dnssecOk: boolean, checkingDisabled: boolean): string {
  return `${vpcId}\u0000${qname}\u0000${qtype}\u0000${qclass}\u0000${dnssecOk ? 1 : 0}${checkingDisabled ? 1 : 0}`;
}

export class PacketCache {
  // A Map iterates in insertion order; re-inserting on a hit makes the first key the least recently used.
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly capacity: number,
    private readonly clock: Clock,
  ) {}

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
    this.entries.delete(key);
    this.entries.set(key, entry);
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
    this.entries.set(key, { vpcId, wire: Buffer.from(wire), ttlOffsets: verdict.ttlOffsets, storedAt: now, expiresAt: now + verdict.ttl * 1000 });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
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
