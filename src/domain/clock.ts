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
  // Every address and endpoint of every response carries two: the text up to the second is kept per second
  // (bounded), and only the milliseconds are added. Years outside 0000-9999 have a longer form: formatted in full.
  if (!Number.isInteger(ms) || ms < 0 || ms >= LAST_FOUR_DIGIT_YEAR_MS) return new Date(ms).toISOString().slice(0, 23);
  const second = Math.floor(ms / 1000);
  let prefix = secondPrefixes.get(second);
  if (prefix === undefined) {
    if (secondPrefixes.size >= MAX_PREFIXES) secondPrefixes.clear();
    prefix = new Date(second * 1000).toISOString().slice(0, 20);
    secondPrefixes.set(second, prefix);
  }
  const millis = ms - second * 1000;
  return prefix + (millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : String(millis));
}

const LAST_FOUR_DIGIT_YEAR_MS = Date.UTC(10000, 0, 1);
const MAX_PREFIXES = 4096;
const secondPrefixes = new Map<number, string>();
