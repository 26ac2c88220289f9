// Walks an upstream reply once to decide whether and how long it may be cached (RFC 2181, RFC 2308).
import { RCODE, TYPE_OPT, TYPE_SOA, isTruncated, rcodeOf, skipName } from './wire.ts';

export interface CacheVerdict {
  /** Seconds the reply may be cached; 0 means do not cache. */
  readonly ttl: number;
  /** Offsets of every TTL field except the OPT pseudo-record's, to decrement on a cache hit. */
  readonly ttlOffsets: readonly number[];
  readonly negative: boolean;
}

const NO_CACHE: CacheVerdict = { ttl: 0, ttlOffsets: [], negative: false };

export interface TtlLimits {
  readonly maxTtl: number;
  readonly maxNegativeTtl: number;
}

/** TTLs with the top bit set are read as 0 (RFC 2181 8). */
function readTtl(buf: Buffer, offset: number): number {
  const ttl = buf.readUInt32BE(offset);
  return ttl > 0x7fffffff ? 0 : ttl;
}

export function scanReplyForCache(buf: Buffer, questionEnd: number, limits: TtlLimits): CacheVerdict {
  if (isTruncated(buf)) return NO_CACHE;
  const rcode = rcodeOf(buf);
  if (rcode !== RCODE.NOERROR && rcode !== RCODE.NXDOMAIN) return NO_CACHE;
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const total = an + ns + buf.readUInt16BE(10);
  const ttlOffsets: number[] = [];
  let minTtl = Number.MAX_SAFE_INTEGER;
  let soaTtl = -1;
  let pos = questionEnd;
  for (let i = 0; i < total; i++) {
    const afterName = skipName(buf, pos);
    if (afterName < 0 || afterName + 10 > buf.length) return NO_CACHE;
    const type = buf.readUInt16BE(afterName);
    const rdStart = afterName + 10;
    const rdEnd = rdStart + buf.readUInt16BE(afterName + 8);
    if (rdEnd > buf.length) return NO_CACHE;
    if (type !== TYPE_OPT) {
      const ttl = readTtl(buf, afterName + 4);
      ttlOffsets.push(afterName + 4);
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
    if (soaTtl <= 0) return NO_CACHE;
    return { ttl: Math.min(soaTtl, minTtl, limits.maxNegativeTtl), ttlOffsets, negative };
  }
  if (minTtl === Number.MAX_SAFE_INTEGER || minTtl <= 0) return NO_CACHE;
  return { ttl: Math.min(minTtl, limits.maxTtl), ttlOffsets, negative };
}
