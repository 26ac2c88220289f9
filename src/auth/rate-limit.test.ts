// Tests of TokenBucketRateLimiter on a manual clock: burst, refill, per-key buckets and the memory bound.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ManualClock } from '../domain/clock.ts';
import { TokenBucketRateLimiter } from './rate-limit.ts';

const takeTimes = (limiter: TokenBucketRateLimiter, key: string, n: number): boolean[] => Array.from({ length: n }, () => limiter.take(key));

describe('TokenBucketRateLimiter', () => {
  it('allows a burst and then refuses', () => {
    const limiter = new TokenBucketRateLimiter(new ManualClock(), { ratePerSecond: 1, burst: 3 });
    assert.deepEqual(takeTimes(limiter, 'p1', 4), [true, true, true, false]);
  });

  it('refills at the configured rate', () => {
    const clock = new ManualClock();
    const limiter = new TokenBucketRateLimiter(clock, { ratePerSecond: 10, burst: 2 });
    takeTimes(limiter, 'p1', 2);
    clock.advance(99);
    assert.equal(limiter.take('p1'), false);
    clock.advance(1);
    assert.equal(limiter.take('p1'), true);
    assert.equal(limiter.take('p1'), false);
  });

  it('never holds more than the burst after a long quiet period', () => {
    const clock = new ManualClock();
    const limiter = new TokenBucketRateLimiter(clock, { ratePerSecond: 5, burst: 2 });
    limiter.take('p1');
    clock.advance(3_600_000);
    assert.deepEqual(takeTimes(limiter, 'p1', 3), [true, true, false]);
  });

  it('keeps one bucket per key', () => {
    const limiter = new TokenBucketRateLimiter(new ManualClock(), { ratePerSecond: 1, burst: 1 });
    assert.equal(limiter.take('p1'), true);
    assert.equal(limiter.take('p1'), false);
    assert.equal(limiter.take('p2'), true);
  });

  it('supports rates below one per second', () => {
    const clock = new ManualClock();
    const limiter = new TokenBucketRateLimiter(clock, { ratePerSecond: 0.5, burst: 1 });
    limiter.take('p1');
    clock.advance(1999);
    assert.equal(limiter.take('p1'), false);
    clock.advance(1);
    assert.equal(limiter.take('p1'), true);
  });

  it('does not drain or refill when the clock steps back', () => {
    const clock = new ManualClock();
    const limiter = new TokenBucketRateLimiter(clock, { ratePerSecond: 1, burst: 1 });
    limiter.take('p1');
    clock.advance(-10_000);
    assert.equal(limiter.take('p1'), false);
  });

  it('keeps at most maxKeys buckets and forgets full ones', () => {
    const clock = new ManualClock();
    const limiter = new TokenBucketRateLimiter(clock, { ratePerSecond: 1, burst: 1, maxKeys: 2 });
    for (const key of ['a', 'b', 'c']) limiter.take(key);
    assert.equal(limiter.size(), 2);
    clock.advance(1000);
    limiter.take('d');
    assert.equal(limiter.size(), 1);
  });

  it('rejects nonsensical options', () => {
    assert.throws(() => new TokenBucketRateLimiter(new ManualClock(), { ratePerSecond: 0, burst: 1 }), RangeError);
    assert.throws(() => new TokenBucketRateLimiter(new ManualClock(), { ratePerSecond: 1, burst: 0 }), RangeError);
    assert.throws(() => new TokenBucketRateLimiter(new ManualClock(), { ratePerSecond: Infinity, burst: 1 }), RangeError);
  });
});
