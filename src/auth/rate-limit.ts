// Token-bucket rate limiting per key (a project id), on an injected clock, with a bounded number of buckets.
import type { Clock } from '../domain/clock.ts';

export interface RateLimitOptions {
  /** Tokens added per second (sustained requests per second). */
  ratePerSecond: number;
  /** Bucket size: requests allowed at once after a quiet period. */
  burst: number;
  /** Buckets kept at most; beyond that the least recently used one is dropped (that key starts again with a full bucket). */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

// Refill is floating point: 0.1 s at 10/s must give a whole token, not 0.9999999999999999.
const EPSILON = 1e-9;

export class TokenBucketRateLimiter {
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxKeys: number;
  // Insertion order = least recently used first, because every take() re-inserts its bucket.
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    options: RateLimitOptions,
  ) {
    if (!(Number.isFinite(options.ratePerSecond) && options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be a positive number');
    if (!(Number.isInteger(options.burst) && options.burst >= 1)) throw new RangeError('burst must be an integer >= 1');
    const maxKeys = options.maxKeys ?? 10_000;
    if (!(Number.isInteger(maxKeys) && maxKeys >= 1)) throw new RangeError('maxKeys must be an integer >= 1');
    this.rate = options.ratePerSecond / 1000;
    this.burst = options.burst;
    this.maxKeys = maxKeys;
  }

  /** Takes one token for the key; false means the request should be refused (DNS.0014). */
  take(key: string): boolean {
    const now = this.clock.now();
    this.dropFullBuckets(now);
    let tokens = this.tokensAt(this.buckets.get(key), now);
    const allowed = tokens >= 1 - EPSILON;
    if (allowed) tokens = Math.max(0, tokens - 1);
    this.buckets.delete(key);
    this.buckets.set(key, { tokens, at: now });
    for (const oldest of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(oldest);
    }
    return allowed;
  }

  /** For tests and metrics. */
  size(): number {
    return this.buckets.size;
  }

  private tokensAt(bucket: Bucket | undefined, now: number): number {
    if (bucket === undefined) return this.burst;
    // A clock that steps back refills nothing rather than draining the bucket.
    return Math.min(this.burst, bucket.tokens + Math.max(0, now - bucket.at) * this.rate);
  }

  // A full bucket behaves exactly like a missing one, so dropping it changes nothing but memory.
  private dropFullBuckets(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (this.tokensAt(bucket, now) < this.burst - EPSILON) break;
      this.buckets.delete(key);
    }
  }
}
