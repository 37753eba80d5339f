import Type, { type TSchema } from 'typebox';
import { Int32, PgTimestamp } from '@polyshop/http';
import {
  CHANNEL_TYPES,
  NOTIFICATION_STATUSES,
  type ChannelStatus,
  type NotificationPriority,
} from '../domain/notification.ts';
import { PHONE_PATTERN } from '../domain/preferences.ts';
import { NOTIFICATION_TYPE_PATTERN, VARIABLE_NAME_PATTERN } from '../domain/template.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time' });
const Literals = <T extends string>(values: readonly T[], options: { description?: string } = {}) =>
  Type.Enum<T[]>(values, options);

export const ChannelTypeSchema = Literals(CHANNEL_TYPES);
export const NotificationTypeSchema = Type.String({
  pattern: NOTIFICATION_TYPE_PATTERN,
  description: 'notification type, e.g. `order_confirmation`',
});
const Priority = Literals<NotificationPriority>(['high', 'normal', 'low']);
const Preferences = Type.Object({ email: Type.Boolean(), sms: Type.Boolean(), push: Type.Boolean() });
const Variables = Type.Record(Type.String(), Type.Unknown(), {
  maxProperties: 100,
  description: 'variable values by name',
});

export const ChannelDeliverySchema = Type.Object({
  type: ChannelTypeSchema,
  status: Literals<ChannelStatus>(['pending', 'sent', 'failed', 'skipped', 'suppressed']),
  to: Nullable(Type.String()),
  templateVersion: Type.Integer(),
  content: Nullable(
    Type.Object({
      subject: Type.Optional(Type.String()),
      body: Type.String(),
      html: Type.Optional(Type.String()),
    }),
  ),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Time),
  sentAt: Nullable(Time),
  messageId: Nullable(Type.String()),
  deliveryStatus: Nullable(Type.String()),
  error: Nullable(Type.String()),
  reason: Nullable(Type.String()),
});

export const NotificationSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.String(),
  status: Literals(NOTIFICATION_STATUSES),
  recipient: Type.Object({
    userId: Nullable(Type.String()),
    email: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    preferences: Preferences,
  }),
  template: Type.Object({
    subject: Nullable(Type.String()),
    body: Type.String(),
    variables: Variables,
    versions: Type.Record(Type.String(), Type.Integer(), {
      description: 'template version used per channel',
    }),
  }),
  channels: Type.Array(ChannelDeliverySchema),
  metadata: Type.Object({
    campaign: Nullable(Type.String()),
    priority: Priority,
    retryCount: Type.Integer(),
    trigger: Type.Optional(Type.Object({ eventId: Type.String(), eventType: Type.String() })),
    sentBy: Type.Optional(Type.String()),
  }),
  createdAt: Time,
  updatedAt: Time,
});

export const NotificationPageSchema = Type.Object({
  items: Type.Array(NotificationSchema),
  nextCursor: Nullable(Type.String()),
});

/** Notifications a page holds when `limit` is left out (the schema's default, applied on validation). */
export const NOTIFICATIONS_PAGE_DEFAULT = 50;

export const ListQuery = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    type: Type.Optional(NotificationTypeSchema),
    status: Type.Optional(Literals(NOTIFICATION_STATUSES)),
    from: Type.Optional(PgTimestamp({ description: 'created at or after' })),
    to: Type.Optional(PgTimestamp({ description: 'created before' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: NOTIFICATIONS_PAGE_DEFAULT })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const SendBody = Type.Object(
  {
    type: NotificationTypeSchema,
    recipient: Type.Object(
      {
        userId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
        phone: Type.Optional(Type.String({ pattern: PHONE_PATTERN })),
      },
      { additionalProperties: false },
    ),
    variables: Variables,
    channels: Type.Optional(Type.Array(ChannelTypeSchema, { minItems: 1, uniqueItems: true })),
    campaign: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    priority: Type.Optional(Priority),
  },
  { additionalProperties: false },
);

export const TemplateParams = Type.Object({ type: NotificationTypeSchema, channel: ChannelTypeSchema });
export const TemplateVersionQuery = Type.Object(
  { version: Type.Optional(Int32({ minimum: 1 })) },
  { additionalProperties: false },
);

export const TemplateBody = Type.Object(
  {
    subject: Type.Optional(
      Nullable(
        Type.String({
          minLength: 1,
          maxLength: 500,
          description: 'email subject / push title; required for email',
        }),
      ),
    ),
    body: Type.String({ minLength: 1, maxLength: 20_000, description: 'plain text; variables as `#{name}`' }),
    html: Type.Optional(
      Nullable(
        Type.String({
          minLength: 1,
          maxLength: 100_000,
          description: 'HTML email part (email only); variables are escaped',
        }),
      ),
    ),
    variables: Type.Array(Type.String({ pattern: VARIABLE_NAME_PATTERN }), {
      maxItems: 100,
      description: 'declared variables: a send must give each',
    }),
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  },
  { additionalProperties: false },
);

export const TemplateSchema = Type.Object({
  type: Type.String(),
  channel: ChannelTypeSchema,
  version: Type.Integer(),
  subject: Nullable(Type.String()),
  body: Type.String(),
  html: Nullable(Type.String()),
  variables: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  createdAt: Time,
  createdBy: Nullable(Type.String()),
});

export const PreferencesParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 100 }) });

export const PreferencesBody = Type.Object(
  {
    email: Type.Boolean(),
    sms: Type.Boolean(),
    push: Type.Boolean(),
    phone: Type.Optional(
      Nullable(
        Type.String({
          pattern: PHONE_PATTERN,
          description: 'E.164; omitted keeps the stored number, null removes it',
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

export const PreferencesSchema = Type.Object({
  userId: Type.String(),
  email: Type.Boolean(),
  sms: Type.Boolean(),
  push: Type.Boolean(),
  phone: Nullable(Type.String()),
  updatedAt: Nullable(Time),
});
