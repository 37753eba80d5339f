import type { MigrationRecord } from '@polyshop/migration';
import type { ChannelType, NotificationRecord } from '../../domain/notification.ts';
import type { NotificationPreferences } from '../../domain/preferences.ts';
import type { KnownRecipient, OrderRecipient } from '../../domain/recipient.ts';
import type { NotificationTemplate } from '../../domain/template.ts';

/**
 * The notification service's record kinds for the migration engine, in copy order: templates (what
 * records were rendered from), preferences, the recipient projection (users, then whose each order
 * is), the delivery log — each record with its per-channel deliveries, and with them the delivery
 * worker's claims and leases (a claimed channel's `nextAttemptAt` is its lease end), so a claim made
 * on one store is seen on the other and a retry's due time moves with its record — and last the inbox:
 * which (consumer, event) the service handled, so an event handled on one store and redelivered after
 * the source of truth changed is skipped on the other too (no second notification, no second email).
 */
export const NOTIFICATION_KINDS = [
  'templates',
  'preferences',
  'recipients',
  'orders',
  'records',
  'inbox',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export function notificationKind(kind: string): NotificationKind {
  if ((NOTIFICATION_KINDS as readonly string[]).includes(kind)) return kind as NotificationKind;
  throw new Error(`the notification service has no record kind ${kind}`);
}

/** A template version's key: `<type>:<channel>:<version>` (MongoDB's `_id`). */
export const templateKey = (type: string, channel: ChannelType, version: number): string =>
  `${type}:${channel}:${version}`;

/** A template version never changes: its record version is its template version (a copy only adds it). */
export const templateRecord = (template: NotificationTemplate): MigrationRecord => ({
  key: templateKey(template.type, template.channel, template.version),
  version: template.version,
  body: template,
});

export const preferencesRecord = (
  preferences: NotificationPreferences,
  version: number,
): MigrationRecord => ({
  key: preferences.userId,
  version,
  body: preferences,
});

export const recipientRecord = (recipient: KnownRecipient, version: number): MigrationRecord => ({
  key: recipient.userId,
  version,
  body: recipient,
});

export const orderRecord = (order: OrderRecipient, version: number): MigrationRecord => ({
  key: order.orderId,
  version,
  body: order,
});

export const notificationRecord = (record: NotificationRecord, version: number): MigrationRecord => ({
  key: record.id,
  version,
  body: record,
});

/** One handled (consumer, event): immutable once handled. */
export interface HandledEvent {
  consumer: string;
  eventId: string;
}

/**
 * An inbox entry's key: `<consumer> <eventId>`. A space sorts below every character of a consumer name,
 * so the key's code-point order is the (consumer, eventId) order both stores scan in.
 */
export const inboxKey = (consumer: string, eventId: string): string => `${consumer} ${eventId}`;

export function parseInboxKey(key: string): HandledEvent {
  const at = key.lastIndexOf(' ');
  return { consumer: key.slice(0, at), eventId: key.slice(at + 1) };
}

export const inboxRecord = (handled: HandledEvent): MigrationRecord => ({
  key: inboxKey(handled.consumer, handled.eventId),
  version: 1,
  body: handled,
});

/** ISO 8601 to the millisecond, the same from a BSON date and a timestamptz. */
const instant = (value: string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

/**
 * A record as plain JSON, the same from either store: the domain object with times to the
 * millisecond (the digest sorts object keys, so JSONB's key order does not matter). Channel lists
 * keep their order; no store-only fields (MongoDB's `stamp`, `dueAt`; PostgreSQL's query columns).
 */
export function canonicalNotificationRecord(kind: string, body: unknown): unknown {
  switch (notificationKind(kind)) {
    case 'templates': {
      const template = body as NotificationTemplate;
      return { ...template, createdAt: instant(template.createdAt) };
    }
    case 'preferences': {
      const preferences = body as NotificationPreferences;
      return { ...preferences, updatedAt: instant(preferences.updatedAt) };
    }
    case 'recipients': {
      const recipient = body as KnownRecipient;
      return { ...recipient, erasedAt: instant(recipient.erasedAt) };
    }
    case 'orders':
      return body;
    case 'inbox': {
      // when it was handled is each store's own clock: not compared
      const { consumer, eventId } = body as HandledEvent;
      return { consumer, eventId };
    }
    case 'records': {
      const record = body as NotificationRecord;
      return {
        ...record,
        createdAt: instant(record.createdAt),
        updatedAt: instant(record.updatedAt),
        channels: record.channels.map((channel) => ({
          ...channel,
          nextAttemptAt: instant(channel.nextAttemptAt),
          sentAt: instant(channel.sentAt),
        })),
      };
    }
  }
}
