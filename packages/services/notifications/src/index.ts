/**
 * The notification service's public surface: its `definition` for the platform, the client other
 * services use, and the record and template types. It consumes `user.registered`, `user.erased`,
 * `order.confirmed`, `order.failed`, `order.cancelled` and `payment.refunded` (see
 * `app/trigger-events.ts` for the data it reads); it emits no events.
 */
export { definition, createNotificationsService, type NotificationsModule } from './notifications-module.ts';
export {
  NotificationsHttpClient,
  type AdHocNotification,
  type NotificationsClient,
} from './notifications-client.ts';
export type {
  ChannelDelivery,
  ChannelStatus,
  ChannelType,
  NotificationPriority,
  NotificationRecord,
  NotificationStatus,
} from './domain/notification.ts';
export type { NotificationPreferences } from './domain/preferences.ts';
export type { NotificationTemplate } from './domain/template.ts';
export { NOTIFICATION_TYPES } from './domain/default-templates.ts';
export { TRIGGERS } from './app/notification-triggers.ts';
export type { UserRegistered, UserErased, OrderEvent, PaymentRefunded } from './app/trigger-events.ts';
export type { WebhookPayload } from './adapters/channels/webhook-channel.ts';
export { NotificationsConfigSchema } from './app/notifications-config.ts';
export { migrateNotifications } from './adapters/postgres/postgres-notification-repository.ts';
export { MongoNotificationRepository } from './adapters/mongodb/mongo-notification-repository.ts';
export { PostgresNotificationSide } from './adapters/migration/postgres-notification-side.ts';
export { MongoNotificationSide } from './adapters/migration/mongo-notification-side.ts';
export { NOTIFICATION_KINDS } from './adapters/migration/notification-migration-kinds.ts';
