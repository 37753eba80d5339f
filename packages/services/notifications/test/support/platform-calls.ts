import { createEvent, newId, systemClock, type EventEnvelope } from '@polyshop/kernel';
import type { Platform } from '@polyshop/platform';
import type { NotificationRecord } from '../../src/domain/notification.ts';
import type { OrderEvent, PaymentRefunded } from '../../src/app/trigger-events.ts';
import { eventually } from '@polyshop/testing';

export interface CallOptions {
  token?: string;
  body?: object;
}

/** One request through the platform's HTTP app. */
export async function call(
  platform: Platform,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  options: CallOptions = {},
) {
  return platform.app.inject({
    method,
    url,
    ...(options.body ? { payload: options.body } : {}),
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
  });
}

let orderSeq = 100_000;

/** The data of an order event, as the order service publishes it. */
export function anOrder(userId: string, overrides: Partial<OrderEvent> = {}): OrderEvent {
  orderSeq += 1;
  return {
    orderId: newId(),
    orderNumber: `ORD-${orderSeq}`,
    userId,
    customer: { email: 'ada@example.com', name: 'Ada Lovelace' },
    currency: 'USD',
    subtotal: '1199.00',
    tax: '95.92',
    shipping: '0.00',
    total: '1294.92',
    items: [
      { sku: 'IPH-15', name: 'iPhone 15', quantity: 1, unitPrice: '999.00', lineTotal: '999.00' },
      { sku: 'APP-2', name: 'AirPods Pro', quantity: 1, unitPrice: '200.00', lineTotal: '200.00' },
    ],
    ...overrides,
  };
}

export function orderEvent(
  type: 'order.confirmed' | 'order.failed' | 'order.cancelled',
  data: OrderEvent,
): EventEnvelope<OrderEvent> {
  return createEvent(
    'orders',
    { type, aggregateType: 'order', aggregateId: data.orderId, data },
    systemClock,
  );
}

export function refundEvent(data: PaymentRefunded): EventEnvelope<PaymentRefunded> {
  return createEvent(
    'payments',
    { type: 'payment.refunded', aggregateType: 'payment', aggregateId: data.paymentId, data },
    systemClock,
  );
}

export function userEvent<T>(
  type: 'user.registered' | 'user.erased',
  userId: string,
  data: T,
): EventEnvelope<T> {
  return createEvent('users', { type, aggregateType: 'user', aggregateId: userId, data }, systemClock);
}

/** The notification an event created, once every channel is settled (read as `token`, who must be allowed to). */
export function settledNotificationOf(
  platform: Platform,
  token: string,
  event: EventEnvelope,
  userId: string,
): Promise<NotificationRecord> {
  return eventually(
    async () => {
      const response = await call(
        platform,
        'GET',
        `/notifications?userId=${encodeURIComponent(userId)}&limit=200`,
        { token },
      );
      if (response.statusCode !== 200)
        throw new Error(`GET /notifications answered ${response.statusCode}: ${response.body}`);
      const record = (response.json().items as NotificationRecord[]).find(
        (r) => r.metadata.trigger?.eventId === event.id,
      );
      return record && record.status !== 'pending' ? record : undefined;
    },
    { message: `the settled notification of ${event.type} ${event.id}` },
  );
}

/** A record's channel entry. */
export function channel(record: NotificationRecord, type: 'email' | 'sms' | 'push') {
  const entry = record.channels.find((c) => c.type === type);
  if (!entry) throw new Error(`notification ${record.id} has no ${type} channel`);
  return entry;
}
