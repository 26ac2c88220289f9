// Upstream target health: consecutive failures mark a target down; after a back-off one query probes it.
import type { UpstreamTarget } from './types.ts';

export interface HealthPolicy {
  /** Consecutive failures (timeout, garbage, connection error) before a target is marked down. */
  readonly failuresToMarkDown: number;
  /** How long a target stays down before one query may try it again; doubles per failed probe. */
  readonly downBackoffMs: number;
  readonly maxDownBackoffMs: number;
}

interface TargetState {
  failures: number;
  downUntil: number; // monotonic ms; 0 when up
  backoff: number;
  probing: boolean;
}

export function targetKey(t: UpstreamTarget): string {
  return `${t.ip}#${t.port}`;
}

export class TargetHealth {
  private readonly states = new Map<string, TargetState>();

  constructor(
    private readonly policy: HealthPolicy,
    private readonly now: () => number,
  ) {}

  /**
   * The order to try targets in: configured order, skipping down targets, except that a down target
   * whose back-off has passed takes its place again for one query at a time (the probe); down targets
   * come last, so that a query still gets a try when every target is down.
   */
  order(targets: readonly UpstreamTarget[]): readonly UpstreamTarget[] {
    if (this.states.size === 0) return targets; // nothing has failed lately: the configured order
    let down: UpstreamTarget[] | null = null;
    const first: UpstreamTarget[] = [];
    const now = this.now();
    for (const t of targets) {
      const s = this.states.get(targetKey(t));
      if (s === undefined || s.downUntil === 0 || (now >= s.downUntil && !s.probing)) first.push(t);
      else (down ??= []).push(t);
    }
    return down === null ? first : first.concat(down);
  }

  /** Called just before a query is sent to a target that is down: it becomes the probe. */
  startAttempt(t: UpstreamTarget): void {
    if (this.states.size === 0) return;
    const s = this.states.get(targetKey(t));
    if (s !== undefined && s.downUntil !== 0) s.probing = true;
  }

  recordSuccess(t: UpstreamTarget): void {
    if (this.states.size > 0) this.states.delete(targetKey(t));
  }

  /** Returns true when this failure marked the target down (for the log). */
  recordFailure(t: UpstreamTarget): boolean {
    const key = targetKey(t);
    let s = this.states.get(key);
    if (s === undefined) {
      s = { failures: 0, downUntil: 0, backoff: 0, probing: false };
      this.states.set(key, s);
    }
    s.failures++;
    const now = this.now();
    if (s.downUntil !== 0) {
      if (s.probing) {
        s.backoff = Math.min(s.backoff * 2, this.policy.maxDownBackoffMs);
        s.downUntil = now + s.backoff;
      }
      s.probing = false;
      return false;
    }
    if (s.failures < this.policy.failuresToMarkDown) return false;
    s.backoff = this.policy.downBackoffMs;
    s.downUntil = now + s.backoff;
    return true;
  }

  /** Targets currently down, for stats. */
  downTargets(): string[] {
    return [...this.states].filter(([, s]) => s.downUntil !== 0).map(([k]) => k);
  }

  clear(): void {
    this.states.clear();
  }
}
