import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aChannel, aNotification } from '../../test/support/builders.ts';
import {
  claimDueChannels,
  deriveStatus,
  eraseRecipientData,
  nextAttemptOf,
  replaceChannel,
} from './notification.ts';

const now = '2026-01-01T00:00:10.000Z';

describe('deriveStatus', () => {
  it('is pending while a channel is, then sent, partially_sent, failed or not_sent', () => {
    assert.equal(deriveStatus([aChannel('email'), aChannel('sms', { status: 'sent' })]), 'pending');
    assert.equal(
      deriveStatus([aChannel('email', { status: 'sent' }), aChannel('sms', { status: 'suppressed' })]),
      'sent',
    );
    assert.equal(
      deriveStatus([aChannel('email', { status: 'sent' }), aChannel('sms', { status: 'failed' })]),
      'partially_sent',
    );
    assert.equal(
      deriveStatus([aChannel('email', { status: 'failed' }), aChannel('sms', { status: 'skipped' })]),
      'failed',
    );
    assert.equal(
      deriveStatus([aChannel('email', { status: 'skipped' }), aChannel('sms', { status: 'suppressed' })]),
      'not_sent',
    );
  });
});

describe('claimDueChannels', () => {
  it('claims only due pending channels of the given types, moving them to the lease time', () => {
    const record = aNotification({
      channels: [
        aChannel('email', { nextAttemptAt: '2026-01-01T00:00:05.000Z' }),
        aChannel('sms', { nextAttemptAt: '2026-01-01T00:00:20.000Z' }),
        aChannel('push', { nextAttemptAt: '2026-01-01T00:00:01.000Z' }),
      ],
    });
    const { record: claimed, claimed: types } = claimDueChannels(
      record,
      ['email', 'sms'],
      now,
      '2026-01-01T00:01:00.000Z',
    );
    assert.deepEqual(types, ['email']);
    assert.equal(claimed.channels[0]!.nextAttemptAt, '2026-01-01T00:01:00.000Z');
    assert.equal(claimed.channels[2]!.nextAttemptAt, '2026-01-01T00:00:01.000Z');
    assert.equal(nextAttemptOf(claimed), '2026-01-01T00:00:01.000Z');
  });
});

describe('replaceChannel', () => {
  it('applies an outcome to a pending channel and recomputes status and retry count', () => {
    const record = aNotification({
      channels: [aChannel('email'), aChannel('sms', { status: 'sent', attempts: 3 })],
    });
    const updated = replaceChannel(
      record,
      aChannel('email', { status: 'sent', attempts: 2, nextAttemptAt: null }),
      now,
    )!;
    assert.equal(updated.status, 'sent');
    assert.equal(updated.metadata.retryCount, 3);
    assert.equal(updated.updatedAt, now);
  });

  it('ignores an outcome for a channel that is settled already', () => {
    const record = aNotification({ channels: [aChannel('email', { status: 'skipped' })] });
    assert.equal(replaceChannel(record, aChannel('email', { status: 'sent' }), now), undefined);
  });
});

describe('eraseRecipientData', () => {
  it('blanks addresses, personal variables and rendered messages, and stops pending deliveries', () => {
    const record = aNotification({ channels: [aChannel('email', { status: 'sent' }), aChannel('sms')] });
    const erased = eraseRecipientData(record, now);
    assert.equal(erased.recipient.email, null);
    assert.equal(erased.recipient.phone, null);
    assert.equal(erased.recipient.userId, 'user-1');
    assert.equal(erased.template.variables.customerName, null);
    assert.equal(erased.template.variables.orderNumber, 'ORD-1');
    assert.ok(erased.channels.every((c) => c.to === null && c.content === null));
    assert.equal(erased.channels[1]!.status, 'skipped');
    assert.equal(erased.status, 'sent');
  });
});
