// Unit tests of target health: marking down, ordering, one probe at a time, back-off doubling.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../domain/clock.ts';
import { TargetHealth } from './health.ts';

const a = { ip: '10.0.0.1', port: 53 };
const b = { ip: '10.0.0.2', port: 53 };

function health(clock: ManualClock): TargetHealth {
  return new TargetHealth({ failuresToMarkDown: 2, downBackoffMs: 1000, maxDownBackoffMs: 4000 }, () => clock.now());
}

describe('TargetHealth', () => {
  it('marks a target down after consecutive failures and tries it last', () => {
    const clock = new ManualClock();
    const h = health(clock);
    assert.equal(h.recordFailure(a), false);
    assert.equal(h.recordFailure(a), true);
    assert.deepEqual(h.order([a, b]), [b, a]);
  });

  it('forgets failures after a success', () => {
    const h = health(new ManualClock());
    h.recordFailure(a);
    h.recordSuccess(a);
    assert.equal(h.recordFailure(a), false);
  });

  it('puts a target back in place for one probe once its back-off has passed', () => {
    const clock = new ManualClock();
    const h = health(clock);
    h.recordFailure(a);
    h.recordFailure(a);
    clock.advance(1000);
    assert.deepEqual(h.order([a, b]), [a, b]);
    h.startAttempt(a);
    assert.deepEqual(h.order([a, b]), [b, a], 'only one probe at a time');
  });

  it('doubles the back-off after a failed probe, up to the maximum', () => {
    const clock = new ManualClock();
    const h = health(clock);
    h.recordFailure(a);
    h.recordFailure(a);
    for (const backoff of [2000, 4000, 4000]) {
      clock.advance(10_000);
      h.startAttempt(a);
      h.recordFailure(a);
      clock.advance(backoff - 1);
      assert.deepEqual(h.order([a, b]), [b, a]);
      clock.advance(1);
      assert.deepEqual(h.order([a, b]), [a, b]);
    }
  });
});
