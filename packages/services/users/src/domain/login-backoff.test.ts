import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, retryAfterSeconds } from './login-backoff.ts';

const policy = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 60_000 };

describe('login backoff', () => {
  it('lets the free failures through, then doubles the wait with each failure up to the cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 8, 9, 100, 10_000].map((failures) => backoffDelayMs(failures, policy)),
      [0, 0, 0, 1000, 2000, 4000, 8000, 32_000, 60_000, 60_000, 60_000],
    );
  });

  it('counts the wait from the latest failure, in whole seconds rounded up', () => {
    const lastFailedAt = new Date('2026-03-01T10:00:00.000Z');
    const after = (ms: number) => new Date(lastFailedAt.getTime() + ms);
    const streak = { failures: 4, lastFailedAt };
    assert.equal(retryAfterSeconds(streak, policy, after(0)), 2);
    assert.equal(retryAfterSeconds(streak, policy, after(1500)), 1);
    assert.equal(retryAfterSeconds(streak, policy, after(2000)), 0);
    assert.equal(retryAfterSeconds({ failures: 2, lastFailedAt }, policy, after(0)), 0);
    assert.equal(retryAfterSeconds(undefined, policy, after(0)), 0);
  });
});
