// Locks a key (an AK) for a while after too many consecutive authentication failures, in bounded memory.
import type { Clock } from '../domain/clock.ts';

export interface FailureLockoutOptions {
  /** Consecutive failures tolerated; the next one locks (Huawei: "more than 5"). */
  maxFailures?: number;
  lockMs?: number;
  /** Keys with a failure count kept at most; beyond that the least recently failing key is forgotten (its count restarts). */
  maxTrackedKeys?: number;
  /** Keys locked at once at most; beyond that the lock that would end first is released early. */
  maxLockedKeys?: number;
}

export const DEFAULT_LOCKOUT = { maxFailures: 5, lockMs: 5 * 60 * 1000, maxTrackedKeys: 10_000, maxLockedKeys: 10_000 } as const;

export class FailureLockout {
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly maxTrackedKeys: number;
  private readonly maxLockedKeys: number;
  // Map iteration order is insertion order; re-inserting on every touch makes the first entry the least recent.
  private readonly failures = new Map<string, number>();
  // key -> unlock time; with one lock length and a forward clock, insertion order is also unlock order.
  private readonly locks = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    options: FailureLockoutOptions = {},
  ) {
    const o = { ...DEFAULT_LOCKOUT, ...options };
    for (const [name, value] of Object.entries(o)) {
      if (!Number.isInteger(value) || value < (name === 'maxFailures' ? 0 : 1)) throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
    this.maxFailures = o.maxFailures;
    this.lockMs = o.lockMs;
    this.maxTrackedKeys = o.maxTrackedKeys;
    this.maxLockedKeys = o.maxLockedKeys;
  }

  isLocked(key: string): boolean {
    const until = this.locks.get(key);
    if (until === undefined) return false;
    if (this.clock.now() < until) return true;
    this.locks.delete(key);
    return false;
  }

  /** Returns true when this failure locks the key. Failures while locked neither count nor extend the lock. */
  recordFailure(key: string): boolean {
    this.releaseExpired();
    if (this.isLocked(key)) return false;
    const count = (this.failures.get(key) ?? 0) + 1;
    this.failures.delete(key);
    if (count > this.maxFailures) {
      this.locks.set(key, this.clock.now() + this.lockMs);
      dropOldest(this.locks, this.maxLockedKeys);
      return true;
    }
    this.failures.set(key, count);
    dropOldest(this.failures, this.maxTrackedKeys);
    return false;
  }

  /** Resets the failure count; a lock already in force stays until it ends. */
  recordSuccess(key: string): void {
    this.failures.delete(key);
  }

  /** For tests and metrics. */
  size(): { tracked: number; locked: number } {
    return { tracked: this.failures.size, locked: this.locks.size };
  }

  private releaseExpired(): void {
    const now = this.clock.now();
    for (const [key, until] of this.locks) {
      if (until > now) break;
      this.locks.delete(key);
    }
  }
}

function dropOldest(map: Map<string, unknown>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}
