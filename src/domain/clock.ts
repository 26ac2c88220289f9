// Time as a dependency: the real clock, a manual clock for tests, and the wire timestamp format.

export interface Clock {
  now(): number; // milliseconds since the epoch
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; tests use it instead of sleeping. */
export class ManualClock implements Clock {
  constructor(private ms = Date.UTC(2025, 0, 1, 12, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

/** yyyy-MM-dd'T'HH:mm:ss.SSS in UTC, with no zone designator (Terraform parses exactly this). */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}
