// Tests of FailureLockout: lock after more than N consecutive failures, unlock after the lock time, bounded memory.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ManualClock } from '../domain/clock.ts';
import { FailureLockout } from './lockout.ts';

const MINUTE = 60_000;

function failTimes(lockout: FailureLockout, key: string, n: number): boolean[] {
  return Array.from({ length: n }, () => lockout.recordFailure(key));
}

describe('FailureLockout', () => {
  it('does not lock after 5 consecutive failures', () => {
    const lockout = new FailureLockout(new ManualClock());
    assert.deepEqual(failTimes(lockout, 'AK1', 5), [false, false, false, false, false]);
    assert.equal(lockout.isLocked('AK1'), false);
  });

  it('locks on the 6th consecutive failure, and only that key', () => {
    const lockout = new FailureLockout(new ManualClock());
    assert.deepEqual(failTimes(lockout, 'AK1', 6), [false, false, false, false, false, true]);
    assert.equal(lockout.isLocked('AK1'), true);
    assert.equal(lockout.isLocked('AK2'), false);
  });

  it('unlocks after 5 minutes and then needs 6 new failures to lock again', () => {
    const clock = new ManualClock();
    const lockout = new FailureLockout(clock);
    failTimes(lockout, 'AK1', 6);
    clock.advance(5 * MINUTE - 1);
    assert.equal(lockout.isLocked('AK1'), true);
    clock.advance(1);
    assert.equal(lockout.isLocked('AK1'), false);
    assert.deepEqual(failTimes(lockout, 'AK1', 6), [false, false, false, false, false, true]);
  });

  it('does not extend the lock for failures while locked', () => {
    const clock = new ManualClock();
    const lockout = new FailureLockout(clock);
    failTimes(lockout, 'AK1', 6);
    clock.advance(4 * MINUTE);
    assert.deepEqual(failTimes(lockout, 'AK1', 3), [false, false, false]);
    clock.advance(MINUTE);
    assert.equal(lockout.isLocked('AK1'), false);
  });

  it('resets the count on success', () => {
    const lockout = new FailureLockout(new ManualClock());
    failTimes(lockout, 'AK1', 5);
    lockout.recordSuccess('AK1');
    assert.deepEqual(failTimes(lockout, 'AK1', 5), [false, false, false, false, false]);
    assert.equal(lockout.isLocked('AK1'), false);
  });

  it('honours a configured failure limit and lock time', () => {
    const clock = new ManualClock();
    const lockout = new FailureLockout(clock, { maxFailures: 2, lockMs: 10_000 });
    assert.deepEqual(failTimes(lockout, 'k', 3), [false, false, true]);
    clock.advance(10_000);
    assert.equal(lockout.isLocked('k'), false);
  });

  it('forgets the least recently failing key beyond maxTrackedKeys', () => {
    const lockout = new FailureLockout(new ManualClock(), { maxTrackedKeys: 3 });
    failTimes(lockout, 'old', 5);
    for (const key of ['a', 'b', 'c']) lockout.recordFailure(key);
    assert.deepEqual(lockout.size(), { tracked: 3, locked: 0 });
    // 'old' restarted from zero, so one more failure does not lock it.
    assert.equal(lockout.recordFailure('old'), false);
  });

  it('keeps at most maxLockedKeys locks, releasing the one that would end first', () => {
    const clock = new ManualClock();
    const lockout = new FailureLockout(clock, { maxLockedKeys: 2 });
    for (const key of ['a', 'b', 'c']) {
      failTimes(lockout, key, 6);
      clock.advance(1000);
    }
    assert.deepEqual(lockout.size(), { tracked: 0, locked: 2 });
    assert.deepEqual(['a', 'b', 'c'].map((k) => lockout.isLocked(k)), [false, true, true]);
  });

  it('drops ended locks from memory', () => {
    const clock = new ManualClock();
    const lockout = new FailureLockout(clock);
    failTimes(lockout, 'a', 6);
    clock.advance(5 * MINUTE);
    lockout.recordFailure('b');
    assert.deepEqual(lockout.size(), { tracked: 1, locked: 0 });
  });

  it('rejects nonsensical options', () => {
    assert.throws(() => new FailureLockout(new ManualClock(), { lockMs: 0 }), RangeError);
    assert.throws(() => new FailureLockout(new ManualClock(), { maxFailures: 1.5 }), RangeError);
  });
});
