import type { ChannelDelivery, ChannelType, NotificationRecord } from '../../domain/notification.ts';
import { nextAttemptOf } from '../../domain/notification.ts';
import type { NotificationPreferences } from '../../domain/preferences.ts';
import type { KnownRecipient, OrderRecipient } from '../../domain/recipient.ts';
import type { NotificationTemplate } from '../../domain/template.ts';

/**
 * The notification service's collections in the shared MongoDB database, prefixed so they never
 * clash with another service's (the catalog's `products`, `outbox` …).
 */
export const NOTIFICATION_COLLECTIONS = {
  records: 'notifications_records',
  templates: 'notifications_templates',
  preferences: 'notifications_preferences',
  recipients: 'notifications_recipients',
  orders: 'notifications_order_recipients',
  inbox: 'notifications_inbox',
} as const;

/**
 * What every document here carries besides its data: `stamp`, the id of its latest write. Whole-record
 * writes are compare-and-set on it, and an undo (see `MongoNotificationInbox`) only restores a
 * document whose latest write is still the one being undone.
 */
export interface Stamped {
  stamp: string;
}

/**
 * A mutable document's version (records, preferences, recipients, order recipients): grows with every
 * write (`$inc`, or the read version + 1 in a compare-and-set), so the store-migration engine copies a
 * document between MongoDB and PostgreSQL only when it is newer. Absent on documents written before it
 * existed (read as 0). Template versions are immutable and need none.
 */
export interface Versioned {
  version?: number;
}

type DateFields<T, K extends keyof T> = Omit<T, K> & { [P in K]: Date | null };

/** A channel entry as stored: its times as BSON dates. */
export type ChannelDoc = DateFields<ChannelDelivery, 'nextAttemptAt' | 'sentAt'>;

/** A notification record as stored: the seed's document with BSON dates and the adapter's bookkeeping. */
export interface RecordDoc extends Stamped, Versioned {
  _id: string;
  type: string;
  status: NotificationRecord['status'];
  recipient: NotificationRecord['recipient'];
  /**
   * `variables` is a sub-document, or its JSON text when a name could not be a MongoDB field name (see
   * `storableVariables`).
   */
  template: Omit<NotificationRecord['template'], 'variables'> & {
    variables: Record<string, unknown> | string;
  };
  channels: ChannelDoc[];
  metadata: NotificationRecord['metadata'];
  createdAt: Date;
  updatedAt: Date;
  /**
   * No later than the earliest due attempt of a pending channel; absent when nothing is pending
   * (sparse index: the delivery worker's scan). Exact after every whole-record write; a claim leaves
   * it earlier than the leased channels' new due time, which only costs the claim query a skipped entry.
   */
  dueAt?: Date;
  /** Set while the inbox handling that created the record has not committed (no transactions): not claimable yet. */
  held?: string;
}

/** One template version as stored. */
export interface TemplateDoc extends Stamped, Omit<NotificationTemplate, 'createdAt'> {
  /** `<type>:<channel>:<version>`: one document per version, the version's uniqueness for free. */
  _id: string;
  createdAt: Date;
}

/** A user's preferences as stored, `_id` = user id. */
export interface PreferenceDoc
  extends Stamped, Versioned, Omit<NotificationPreferences, 'userId' | 'updatedAt'> {
  _id: string;
  updatedAt: Date;
}

/** A user of the recipient projection as stored, `_id` = user id. */
export interface RecipientDoc extends Stamped, Versioned, Omit<KnownRecipient, 'userId' | 'erasedAt'> {
  _id: string;
  erasedAt: Date | null;
}

/** Whose an order is, as stored, `_id` = order id. */
export interface OrderRecipientDoc extends Stamped, Versioned, Omit<OrderRecipient, 'orderId'> {
  _id: string;
}

export const toDate = (value: string | null): Date | null => (value === null ? null : new Date(value));
export const toIso = (value: Date | null | undefined): string | null => (value ? value.toISOString() : null);

export function templateId(type: string, channel: ChannelType, version: number): string {
  return `${type}:${channel}:${version}`;
}

/** A field name MongoDB stores and updates the same on every version: no leading `$`, no `.`, no NUL. */
const plainName = (name: string) => !name.startsWith('$') && !name.includes('.') && !name.includes('\0');

function plain(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(plain);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).every(([name, item]) => plainName(name) && plain(item));
  return true;
}

/**
 * Variable values are any JSON a sender gave. Kept as a sub-document (the seed's shape) unless some
 * name could not be a field (`$where`, `a.b`: older servers refuse them, update operators always do);
 * then as JSON text, which reads back the same.
 */
function storableVariables(variables: Record<string, unknown>): Record<string, unknown> | string {
  return plain(variables) ? variables : JSON.stringify(variables);
}

export function recordDoc(
  record: NotificationRecord,
  bookkeeping: Stamped & { held?: string | undefined; version?: number | undefined },
): RecordDoc {
  const due = nextAttemptOf(record);
  return {
    _id: record.id,
    type: record.type,
    status: record.status,
    recipient: record.recipient,
    template: { ...record.template, variables: storableVariables(record.template.variables) },
    channels: record.channels.map((channel) => ({
      ...channel,
      nextAttemptAt: toDate(channel.nextAttemptAt),
      sentAt: toDate(channel.sentAt),
    })),
    metadata: record.metadata,
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
    ...(due ? { dueAt: new Date(due) } : {}),
    stamp: bookkeeping.stamp,
    version: bookkeeping.version ?? 1,
    ...(bookkeeping.held ? { held: bookkeeping.held } : {}),
  };
}

export function recordFromDoc(doc: RecordDoc): NotificationRecord {
  const { variables } = doc.template;
  return {
    id: doc._id,
    type: doc.type,
    status: doc.status,
    recipient: doc.recipient,
    template: {
      ...doc.template,
      variables:
        typeof variables === 'string' ? (JSON.parse(variables) as Record<string, unknown>) : variables,
    },
    channels: doc.channels.map((channel) => ({
      ...channel,
      nextAttemptAt: toIso(channel.nextAttemptAt),
      sentAt: toIso(channel.sentAt),
    })),
    metadata: doc.metadata,
    createdAt: toIso(doc.createdAt)!,
    updatedAt: toIso(doc.updatedAt)!,
  };
}

export function templateDoc(template: NotificationTemplate, stamp: string): TemplateDoc {
  return {
    _id: templateId(template.type, template.channel, template.version),
    ...template,
    createdAt: new Date(template.createdAt),
    stamp,
  };
}

export function templateFromDoc({ _id, stamp, createdAt, ...template }: TemplateDoc): NotificationTemplate {
  return { ...template, createdAt: toIso(createdAt)! };
}

export function preferencesFromDoc(doc: PreferenceDoc): NotificationPreferences {
  return {
    userId: doc._id,
    email: doc.email,
    sms: doc.sms,
    push: doc.push,
    phone: doc.phone,
    updatedAt: toIso(doc.updatedAt),
  };
}

export function recipientFromDoc(doc: RecipientDoc): KnownRecipient {
  return { userId: doc._id, email: doc.email, name: doc.name, erasedAt: toIso(doc.erasedAt) };
}

export function orderRecipientFromDoc(doc: OrderRecipientDoc): OrderRecipient {
  return {
    orderId: doc._id,
    userId: doc.userId,
    orderNumber: doc.orderNumber,
    email: doc.email,
    name: doc.name,
  };
}
