import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@polyshop/kernel';
import { createChannels } from '../adapters/channels/create-channels.ts';
import { loadNotificationsConfig } from './notifications-config.ts';

describe('loadNotificationsConfig', () => {
  it('needs nothing: every channel is then unconfigured and says which variable to set', () => {
    const config = loadNotificationsConfig({});
    assert.equal(config.NOTIFICATIONS_MAX_ATTEMPTS, 5);
    assert.equal(config.NOTIFICATIONS_RETRY_BASE_MS, 1000);
    const channels = createChannels(config);
    assert.equal(channels.email.unavailableReason, 'email is not configured (set SMTP_URL)');
    assert.equal(channels.sms.unavailableReason, 'sms is not configured (set NOTIFICATIONS_SMS_WEBHOOK_URL)');
    assert.equal(
      channels.push.unavailableReason,
      'push is not configured (set NOTIFICATIONS_PUSH_WEBHOOK_URL)',
    );
  });

  it('configures a channel per URL and converts numbers', () => {
    const config = loadNotificationsConfig({
      SMTP_URL: 'smtp://127.0.0.1:2525',
      NOTIFICATIONS_PUSH_WEBHOOK_URL: 'http://127.0.0.1:9/push',
      NOTIFICATIONS_MAX_ATTEMPTS: '7',
    });
    assert.equal(config.NOTIFICATIONS_MAX_ATTEMPTS, 7);
    const channels = createChannels(config);
    assert.equal(channels.email.unavailableReason, undefined);
    assert.equal(channels.push.unavailableReason, undefined);
    assert.notEqual(channels.sms.unavailableReason, undefined);
  });

  it('stops start-up naming each bad variable', () => {
    assert.throws(
      () =>
        loadNotificationsConfig({
          SMTP_URL: 'ftp://mail',
          NOTIFICATIONS_MAX_ATTEMPTS: '0',
          NOTIFICATIONS_SMS_WEBHOOK_URL: 'not a url',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual([...error.variables].sort(), [
          'NOTIFICATIONS_MAX_ATTEMPTS',
          'NOTIFICATIONS_SMS_WEBHOOK_URL',
          'SMTP_URL',
        ]);
        return true;
      },
    );
  });
});
