// Getting a PostgreSQL connection while the server may be down: failed attempts back off (with jitter), and requests
// arriving meanwhile fail at once with StoreUnavailableError (503) instead of each waiting on a dead server.
import type pg from 'pg';
import { StoreUnavailableError, isStoreUnavailable } from './unavailable.ts';

export interface BackoffSettings {
  /** Delay after the first failed attempt; doubled after each further one. */
  initialMs: number;
  /** Longest delay between two attempts. */
  maxMs: number;
}

/** 100 ms doubling to 2 s (as Retry-After says); each delay is drawn from [d/2, d] (jitter, so nodes do not retry in step). */
export const DEFAULT_BACKOFF: BackoffSettings = { initialMs: 100, maxMs: 2000 };

/**
 * One pool's connection attempts. After an attempt fails for a reason that means the server is unavailable, the
 * next is allowed only after the backoff delay; until then connect() throws without trying. The first success
 * resets the delay. Connections already held are not affected (pg drops a broken one when it is released).
 */
export class PgConnectGate {
  private failures = 0;
  private nextAttemptAt = 0;
  private lastError = '';

  constructor(
    private readonly pool: pg.Pool,
    private readonly backoff: BackoffSettings = DEFAULT_BACKOFF,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  async connect(): Promise<pg.PoolClient> {
    const wait = this.nextAttemptAt - this.now();
    if (this.failures > 0 && wait > 0) throw new StoreUnavailableError(`database unreachable: ${this.lastError} (next attempt in ${Math.ceil(wait)} ms)`);
    try {
      const client = await this.pool.connect();
      this.failures = 0;
      return client;
    } catch (e) {
      if (isStoreUnavailable(e)) {
        this.failures++;
        const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(this.failures - 1, 30));
        this.nextAttemptAt = this.now() + delay / 2 + (this.random() * delay) / 2;
        this.lastError = (e as Error).message || String((e as { code?: unknown }).code);
      }
      throw e;
    }
  }

  /** Consecutive failed attempts (0: the last attempt succeeded). */
  get consecutiveFailures(): number {
    return this.failures;
  }
}
