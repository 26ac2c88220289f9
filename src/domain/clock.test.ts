// formatTimestamp: the wire format, for any millisecond, equal to the Date formatting it replaces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTimestamp } from './clock.ts';

const reference = (ms: number) => new Date(ms).toISOString().slice(0, 23);

describe('formatTimestamp', () => {
  it('gives yyyy-MM-ddTHH:mm:ss.SSS in UTC', () => {
    assert.equal(formatTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5, 6)), '2025-01-02T03:04:05.006');
    assert.equal(formatTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5, 60)), '2025-01-02T03:04:05.060');
    assert.equal(formatTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5, 600)), '2025-01-02T03:04:05.600');
    assert.equal(formatTimestamp(0), '1970-01-01T00:00:00.000');
  });

  it('equals the Date formatting for every millisecond around a second, and at the edges of the fast path', () => {
    const base = Date.UTC(2026, 10, 28, 23, 59, 59);
    for (let ms = base - 1500; ms < base + 1500; ms++) assert.equal(formatTimestamp(ms), reference(ms), String(ms));
    for (const ms of [-1, -1000, -62198755200001, Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), 8.64e15, 1.5]) {
      assert.equal(formatTimestamp(ms), reference(ms), String(ms));
    }
  });

  it('stays right when more distinct seconds are formatted than it keeps', () => {
    for (let i = 0; i < 10_000; i++) {
      const ms = Date.UTC(2020, 0, 1) + i * 1013;
      assert.equal(formatTimestamp(ms), reference(ms));
    }
  });
});
