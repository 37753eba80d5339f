import type { ChannelSet } from '../../ports/notification-channel.ts';
import type { NotificationsConfig } from '../../app/notifications-config.ts';
import { SmtpEmailChannel } from './smtp-email-channel.ts';
import { UnconfiguredChannel } from './unconfigured-channel.ts';
import { WebhookChannel } from './webhook-channel.ts';

export type { ChannelSet };

/** Builds the channels from configuration; an unconfigured one records its notifications as skipped. */
export function createChannels(config: NotificationsConfig): ChannelSet {
  const timeoutMs = config.NOTIFICATIONS_CHANNEL_TIMEOUT_MS;
  const webhook = (type: 'sms' | 'push', url: string | undefined, variable: string) =>
    url ? new WebhookChannel({ type, url, timeoutMs }) : new UnconfiguredChannel(type, variable);
  return {
    email: config.SMTP_URL
      ? new SmtpEmailChannel({ url: config.SMTP_URL, from: config.SMTP_FROM, timeoutMs })
      : new UnconfiguredChannel('email', 'SMTP_URL'),
    sms: webhook('sms', config.NOTIFICATIONS_SMS_WEBHOOK_URL, 'NOTIFICATIONS_SMS_WEBHOOK_URL'),
    push: webhook('push', config.NOTIFICATIONS_PUSH_WEBHOOK_URL, 'NOTIFICATIONS_PUSH_WEBHOOK_URL'),
  };
}
