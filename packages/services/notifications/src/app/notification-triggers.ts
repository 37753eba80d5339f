import type { TSchema, Static } from 'typebox';
import { Value } from 'typebox/value';
import { AppError, Money, type EventEnvelope, type Logger } from '@polyshop/kernel';
import type { EventBus } from '@polyshop/bus';
import { NOTIFICATION_TYPES, type BuiltInType } from '../domain/default-templates.ts';
import { describeReason } from '../domain/failure-reason.ts';
import type { NotificationRecord } from '../domain/notification.ts';
import type { KnownRecipient } from '../domain/recipient.ts';
import { createNotification, type CreateOptions, type NotificationRequest } from './create-notification.ts';
import type { NotificationsDeps } from './notifications-deps.ts';
import {
  OrderEventData,
  PaymentRefundedData,
  UserErasedData,
  UserRegisteredData,
  type OrderEvent,
} from './trigger-events.ts';

interface Trigger<S extends TSchema> {
  /** Consumer name on the bus and in the inbox. */
  consumer: string;
  eventType: string;
  schema: S;
  /** Runs inside the inbox transaction (`deps.repository` is bound to it). */
  handle(
    data: Static<S>,
    event: EventEnvelope,
    deps: NotificationsDeps,
  ): Promise<NotificationRecord | undefined>;
}

const trigger = <S extends TSchema>(t: Trigger<S>) => t;

function send(
  deps: NotificationsDeps,
  type: BuiltInType,
  event: EventEnvelope,
  request: Omit<NotificationRequest, 'type'>,
  read: Pick<CreateOptions, 'known'> = {},
) {
  return createNotification(
    deps,
    { ...request, type, ...NOTIFICATION_TYPES[type], trigger: { eventId: event.id, eventType: event.type } },
    { strict: false, ...read },
  );
}

const amount = (value: string, currency: string) => Money.of(value, currency).toDecimalString();

/**
 * Keeps the projection current; returns the customer's address and name for an order event, and the
 * user as the projection holds them now.
 */
async function rememberOrder(
  data: OrderEvent,
  deps: NotificationsDeps,
): Promise<{ email: string | null; name: string; known: KnownRecipient | undefined }> {
  const { recipients } = deps.repository;
  // An erased user stays erased (`remember` keeps the tombstone as it is) ...
  await recipients.remember({
    userId: data.userId,
    email: data.customer.email || null,
    name: data.customer.name || null,
  });
  const known = await recipients.find(data.userId);
  // ... and their late order events leave no personal data behind.
  const erased = Boolean(known?.erasedAt);
  const name = erased ? null : data.customer.name || null;
  const email = erased ? null : data.customer.email || null;
  await recipients.rememberOrder({
    orderId: data.orderId,
    userId: data.userId,
    orderNumber: data.orderNumber,
    email,
    name,
  });
  return { email: email ?? known?.email ?? null, name: name ?? known?.name ?? 'customer', known };
}

function orderTrigger(
  eventType: string,
  type: BuiltInType,
  extra: (data: OrderEvent) => Record<string, unknown>,
) {
  return trigger({
    consumer: `notifications.${eventType}`,
    eventType,
    schema: OrderEventData,
    async handle(data, event, deps) {
      const customer = await rememberOrder(data, deps);
      return send(
        deps,
        type,
        event,
        {
          recipient: { userId: data.userId, email: customer.email },
          variables: {
            orderNumber: data.orderNumber,
            customerName: customer.name,
            currency: data.currency,
            total: amount(data.total, data.currency),
            ...extra(data),
          },
        },
        { known: customer.known },
      );
    },
  });
}

/** The events that send notifications (and the one that erases), one bus consumer each. */
export const TRIGGERS = [
  trigger({
    consumer: 'notifications.user.registered',
    eventType: 'user.registered',
    schema: UserRegisteredData,
    async handle(data, event, deps) {
      await deps.repository.recipients.remember({
        userId: data.userId,
        email: data.email,
        name: data.name ?? null,
      });
      return send(deps, 'welcome', event, {
        recipient: { userId: data.userId, email: data.email },
        variables: { customerName: data.name || data.email },
      });
    },
  }),
  orderTrigger('order.confirmed', 'order_confirmation', (data) => ({
    productNames: data.items.map((item) => item.name),
    itemCount: data.items.reduce((n, item) => n + item.quantity, 0),
    subtotal: amount(data.subtotal, data.currency),
    tax: amount(data.tax, data.currency),
    shipping: amount(data.shipping, data.currency),
  })),
  orderTrigger('order.failed', 'order_failed', (data) => ({
    reason: describeReason(data.reasonCode ?? undefined),
  })),
  orderTrigger('order.cancelled', 'order_cancelled', () => ({})),
  trigger({
    consumer: 'notifications.payment.refunded',
    eventType: 'payment.refunded',
    schema: PaymentRefundedData,
    async handle(data, event, deps) {
      const order = await deps.repository.recipients.findOrder(data.orderId);
      if (!order) {
        // The order's events may still be on their way (another consumer): the bus retries this one.
        throw AppError.unavailable(
          'NOTIFICATIONS.ORDER_UNKNOWN',
          `No order event named order ${data.orderId}; cannot address the refund notice yet.`,
        );
      }
      const known = await deps.repository.recipients.find(order.userId);
      return send(deps, 'payment_refunded', event, {
        recipient: { userId: order.userId, email: order.email ?? known?.email ?? null },
        variables: {
          orderNumber: order.orderNumber,
          customerName: order.name ?? known?.name ?? 'customer',
          amount: amount(data.amount, data.currency),
          currency: data.currency,
          refundedTotal: amount(data.refundedTotal, data.currency),
          reason: data.reason || 'requested',
        },
      });
    },
  }),
  trigger({
    consumer: 'notifications.user.erased',
    eventType: 'user.erased',
    schema: UserErasedData,
    async handle(data, _event, deps) {
      const now = deps.clock.now();
      await deps.repository.records.eraseRecipient(data.userId, now);
      await deps.repository.preferences.delete(data.userId);
      await deps.repository.recipients.erase(data.userId, now);
      return undefined;
    },
  }),
];

export interface SubscribeTriggersOptions extends NotificationsDeps {
  bus: EventBus;
  logger: Logger;
}

/**
 * Subscribes every trigger. Each event is handled once per consumer (the inbox); an event whose data
 * is unreadable fails (the bus retries, then dead-letters it, where it can be seen and replayed).
 */
export async function subscribeTriggers(options: SubscribeTriggersOptions): Promise<void> {
  for (const t of TRIGGERS as Trigger<TSchema>[]) {
    await options.bus.subscribe({
      consumer: t.consumer,
      types: [t.eventType],
      handler: async (event) => {
        if (!Value.Check(t.schema, event.data)) {
          const first = [...Value.Errors(t.schema, event.data)][0];
          throw AppError.invalidInput(
            'NOTIFICATIONS.UNREADABLE_EVENT',
            `${event.type} ${event.id}: data${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`,
          );
        }
        let created: NotificationRecord | undefined;
        await options.repository.handleOnce(t.consumer, event, async (repository) => {
          created = await t.handle(event.data, event, { ...options, repository });
        });
        if (created) {
          options.logger.debug(
            { notificationId: created.id, eventId: event.id, type: created.type },
            'notification created',
          );
          // The delivery worker has work only when a channel waits to be sent (none: unconfigured or opted out).
          if (created.channels.some((channel) => channel.status === 'pending')) options.onCreated?.();
        }
      },
    });
  }
}
