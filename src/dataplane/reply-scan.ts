// Walks an upstream reply once to decide whether and how long it may be cached (RFC 2181, RFC 2308).
import { RCODE, TYPE_OPT, TYPE_SOA, isTruncated, rcodeOf, skipName } from './wire.ts';

/**
 * Whether and how long a reply may be cached, and where its TTLs are. Reusable: the resolver keeps one
 * and scans every forwarded reply into it, so that a reply's scan allocates nothing.
 */
export class CacheVerdict {
  /** Seconds the reply may be cached; 0 means do not cache. */
  ttl = 0;
  negative = false;
  /** Offsets of every TTL field except the OPT pseudo-record's (the first ttlCount), to decrement on a cache hit. */
  ttlOffsets = new Int32Array(16);
  ttlCount = 0;

  reset(): void {
    this.ttl = 0;
    this.negative = false;
    this.ttlCount = 0;
  }

  addTtlOffset(offset: number): void {
    if (this.ttlCount === this.ttlOffsets.length) {
      const grown = new Int32Array(2 * this.ttlOffsets.length);
      grown.set(this.ttlOffsets);
      this.ttlOffsets = grown;
    }
    this.ttlOffsets[this.ttlCount++] = offset;
  }
}

export interface TtlLimits {
  readonly maxTtl: number;
  readonly maxNegativeTtl: number;
}

/** TTLs with the top bit set are read as 0 (RFC 2181 8). */
function readTtl(buf: Buffer, offset: number): number {
  const ttl = buf.readUInt32BE(offset);
  return ttl > 0x7fffffff ? 0 : ttl;
}

/** A reply that cannot be walked is not cached. */
function unparsable(out: CacheVerdict): CacheVerdict {
  out.reset();
  return out;
}

/** Scans buf into out (a new verdict unless given) and returns it; out.ttl is 0 if buf must not be cached. */
export function scanReplyForCache(buf: Buffer, questionEnd: number, limits: TtlLimits, out = new CacheVerdict()): CacheVerdict {
  out.reset();
  if (isTruncated(buf)) return out;
  const rcode = rcodeOf(buf);
  if (rcode !== RCODE.NOERROR && rcode !== RCODE.NXDOMAIN) return out;
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const total = an + ns + buf.readUInt16BE(10);
  let minTtl = Number.MAX_SAFE_INTEGER;
  let soaTtl = -1;
  let pos = questionEnd;
  for (let i = 0; i < total; i++) {
    const afterName = skipName(buf, pos);
    if (afterName < 0 || afterName + 10 > buf.length) return unparsable(out);
    const type = buf.readUInt16BE(afterName);
    const rdStart = afterName + 10;
    const rdEnd = rdStart + buf.readUInt16BE(afterName + 8);
    if (rdEnd > buf.length) return unparsable(out);
    if (type !== TYPE_OPT) {
      const ttl = readTtl(buf, afterName + 4);
      out.addTtlOffset(afterName + 4);
      minTtl = Math.min(minTtl, ttl);
      if (type === TYPE_SOA && i >= an && i < an + ns && rdEnd - rdStart >= 22) {
        // RFC 2308 5: the negative TTL is min(SOA TTL, SOA MINIMUM); MINIMUM is the last 4 RDATA bytes.
        soaTtl = Math.min(ttl, readTtl(buf, rdEnd - 4));
      }
    }
    pos = rdEnd;
  }
  const negative = rcode === RCODE.NXDOMAIN || an === 0;
  if (negative) {
    if (soaTtl > 0) out.ttl = Math.min(soaTtl, minTtl, limits.maxNegativeTtl);
  } else if (minTtl !== Number.MAX_SAFE_INTEGER && minTtl > 0) {
    out.ttl = Math.min(minTtl, limits.maxTtl);
  }
  out.negative = negative;
  return out;
}
