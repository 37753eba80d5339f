import Type, { type Static } from 'typebox';
import { loadConfig } from '@polyshop/kernel';

const Url = (pattern: string, description: string) => Type.Optional(Type.String({ pattern, description }));
const Int = (minimum: number, maximum: number, fallback: number, description: string) =>
  Type.Integer({ minimum, maximum, default: fallback, description });

/** The notification service's environment variables (see README, "Notifications"). */
export const NotificationsConfigSchema = Type.Object({
  SMTP_URL: Url(
    '^smtps?://',
    'SMTP server for email (`smtp://user:pass@host:587`); unset → email is skipped',
  ),
  SMTP_FROM: Type.String({
    minLength: 3,
    default: 'polyshop <no-reply@polyshop.local>',
    description: 'sender of every email',
  }),
  NOTIFICATIONS_SMS_WEBHOOK_URL: Url('^https?://', 'sms provider webhook; unset → sms is skipped'),
  NOTIFICATIONS_PUSH_WEBHOOK_URL: Url('^https?://', 'push provider webhook; unset → push is skipped'),
  NOTIFICATIONS_MAX_ATTEMPTS: Int(1, 50, 5, 'attempts per channel before it is failed'),
  NOTIFICATIONS_RETRY_BASE_MS: Int(
    1,
    3_600_000,
    1000,
    'first retry delay; doubles each attempt, with jitter',
  ),
  NOTIFICATIONS_RETRY_MAX_MS: Int(1, 86_400_000, 600_000, 'largest retry delay'),
  NOTIFICATIONS_CHANNEL_TIMEOUT_MS: Int(
    100,
    300_000,
    10_000,
    'how long one SMTP or webhook attempt may take',
  ),
  NOTIFICATIONS_POLL_MS: Int(10, 600_000, 1000, 'how often the delivery worker looks for due retries'),
  NOTIFICATIONS_CHANNEL_CONCURRENCY: Int(1, 256, 4, 'deliveries in flight per channel'),
});

export type NotificationsConfig = Static<typeof NotificationsConfigSchema>;

export function loadNotificationsConfig(env: NodeJS.ProcessEnv): NotificationsConfig {
  return loadConfig(NotificationsConfigSchema, env);
}
