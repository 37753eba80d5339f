import { defineTable } from '@polyshop/stores';
import type { NotificationRecord } from '../../domain/notification.ts';
import type { NotificationTemplate } from '../../domain/template.ts';
import { SCHEMA } from './pg-scope.ts';

/**
 * Every table of the `notifications` schema, one row type each (snake_case, as SQL returns them);
 * `test/contract/notifications-tables.test.ts` checks them against the migrated database.
 */

/** A row of `notifications.templates`: one version of a template, keyed by (type, channel, version). */
export type TemplateRow = Omit<NotificationTemplate, 'createdAt' | 'createdBy'> & {
  created_at: Date;
  created_by: string | null;
};

/** A row of `notifications.records`: one notification and its per-channel deliveries. */
export interface NotificationRecordRow {
  id: string;
  type: string;
  user_id: string | null;
  status: NotificationRecord['status'];
  recipient: NotificationRecord['recipient'];
  template: NotificationRecord['template'];
  channels: NotificationRecord['channels'];
  metadata: NotificationRecord['metadata'];
  created_at: Date;
  updated_at: Date;
  next_attempt_at: Date | null;
  /** Grows with every change (migration-0002's trigger): the migration engine copies by it. */
  version: number;
}

/** A row of `notifications.preferences`: a user's channel choices. */
export interface PreferenceRow {
  user_id: string;
  email: boolean;
  sms: boolean;
  push: boolean;
  phone: string | null;
  updated_at: Date;
  /** Grows with every change (migration-0002's trigger). */
  version: number;
}

/** A row of `notifications.recipients`: what the service knows of a user (until erased). */
export interface RecipientRow {
  user_id: string;
  email: string | null;
  name: string | null;
  erased_at: Date | null;
  /** Grows with every change (migration-0002's trigger). */
  version: number;
}

/** A row of `notifications.order_recipients`: who an order's notifications go to. */
export interface OrderRecipientRow {
  order_id: string;
  user_id: string;
  order_number: string;
  email: string | null;
  name: string | null;
  /** Grows with every change (migration-0002's trigger). */
  version: number;
}

export const TEMPLATES_TABLE = defineTable<TemplateRow>()(SCHEMA, 'templates', [
  'type',
  'channel',
  'version',
  'subject',
  'body',
  'html',
  'variables',
  'description',
  'created_at',
  'created_by',
]);

export const RECORDS_TABLE = defineTable<NotificationRecordRow>()(SCHEMA, 'records', [
  'id',
  'type',
  'user_id',
  'status',
  'recipient',
  'template',
  'channels',
  'metadata',
  'created_at',
  'updated_at',
  'next_attempt_at',
  'version',
]);

export const PREFERENCES_TABLE = defineTable<PreferenceRow>()(SCHEMA, 'preferences', [
  'user_id',
  'email',
  'sms',
  'push',
  'phone',
  'updated_at',
  'version',
]);

export const RECIPIENTS_TABLE = defineTable<RecipientRow>()(SCHEMA, 'recipients', [
  'user_id',
  'email',
  'name',
  'erased_at',
  'version',
]);

export const ORDER_RECIPIENTS_TABLE = defineTable<OrderRecipientRow>()(SCHEMA, 'order_recipients', [
  'order_id',
  'user_id',
  'order_number',
  'email',
  'name',
  'version',
]);

/** The service's own tables (`migrate` adds the messaging tables, declared in `@polyshop/stores`). */
export const NOTIFICATIONS_TABLES = [
  TEMPLATES_TABLE,
  RECORDS_TABLE,
  PREFERENCES_TABLE,
  RECIPIENTS_TABLE,
  ORDER_RECIPIENTS_TABLE,
];
