import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aChannel } from '../../test/support/builders.ts';
import { afterAttempt, retryDelayMs } from './retry-policy.ts';

const policy = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 5000 };
const now = new Date('2026-01-01T00:00:00.000Z');

describe('retryDelayMs', () => {
  it('doubles per attempt, capped, with half of it jittered', () => {
    assert.equal(
      retryDelayMs(policy, 1, () => 0),
      500,
    );
    assert.equal(
      retryDelayMs(policy, 1, () => 1),
      1000,
    );
    assert.equal(
      retryDelayMs(policy, 2, () => 0),
      1000,
    );
    assert.equal(
      retryDelayMs(policy, 3, () => 0.5),
      3000,
    );
    assert.equal(
      retryDelayMs(policy, 10, () => 1),
      5000,
    );
  });
});

describe('afterAttempt', () => {
  it('marks a success sent with its message id', () => {
    const next = afterAttempt(
      aChannel('email'),
      { ok: true, messageId: '<m1>', deliveryStatus: 'accepted' },
      policy,
      now,
    );
    assert.equal(next.status, 'sent');
    assert.equal(next.attempts, 1);
    assert.equal(next.sentAt, now.toISOString());
    assert.equal(next.messageId, '<m1>');
    assert.equal(next.nextAttemptAt, null);
  });

  it('schedules a retry with backoff after a transient failure, keeping the error', () => {
    const next = afterAttempt(
      aChannel('sms', { attempts: 1 }),
      { ok: false, error: 'webhook answered 503', permanent: false },
      policy,
      now,
      () => 0,
    );
    assert.equal(next.status, 'pending');
    assert.equal(next.attempts, 2);
    assert.equal(next.error, 'webhook answered 503');
    assert.equal(next.nextAttemptAt, new Date(now.getTime() + 1000).toISOString());
  });

  it('fails for good at the attempt limit, or at once on a permanent rejection', () => {
    const last = afterAttempt(
      aChannel('sms', { attempts: 2 }),
      { ok: false, error: 'down', permanent: false },
      policy,
      now,
    );
    assert.equal(last.status, 'failed');
    assert.equal(last.attempts, 3);
    assert.equal(last.nextAttemptAt, null);
    const rejected = afterAttempt(
      aChannel('email'),
      { ok: false, error: 'SMTP 550', permanent: true },
      policy,
      now,
    );
    assert.equal(rejected.status, 'failed');
    assert.equal(rejected.attempts, 1);
  });
});
