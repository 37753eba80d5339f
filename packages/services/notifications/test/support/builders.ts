import { newId } from '@polyshop/kernel';
import {
  withDerivedFields,
  type ChannelDelivery,
  type ChannelType,
  type NotificationRecord,
} from '../../src/domain/notification.ts';
import type { NotificationTemplate } from '../../src/domain/template.ts';

/** A channel entry; pending and due at `nextAttemptAt` unless overridden. */
export function aChannel(type: ChannelType, overrides: Partial<ChannelDelivery> = {}): ChannelDelivery {
  return {
    type,
    status: 'pending',
    to: type === 'email' ? 'ada@example.com' : type === 'sms' ? '+15550100' : 'user-1',
    templateVersion: 1,
    content: { subject: 'Order Confirmed - ORD-1', body: 'Dear Ada, your order is confirmed.' },
    attempts: 0,
    nextAttemptAt: '2026-01-01T00:00:00.000Z',
    sentAt: null,
    messageId: null,
    deliveryStatus: null,
    error: null,
    reason: null,
    ...overrides,
  };
}

/** A notification record shaped as in the seed, with derived fields consistent. */
export function aNotification(overrides: Partial<NotificationRecord> = {}): NotificationRecord {
  const createdAt = overrides.createdAt ?? '2026-01-01T00:00:00.000Z';
  const record: NotificationRecord = {
    id: newId(),
    type: 'order_confirmation',
    status: 'pending',
    recipient: {
      userId: 'user-1',
      email: 'ada@example.com',
      phone: '+15550100',
      preferences: { email: true, sms: true, push: true },
    },
    template: {
      subject: 'Order Confirmed - #{orderNumber}',
      body: 'Dear #{customerName}, your order is confirmed.',
      variables: { orderNumber: 'ORD-1', customerName: 'Ada', productNames: ['iPhone 15', 'AirPods Pro'] },
      versions: { email: 1 },
    },
    channels: [aChannel('email')],
    metadata: { campaign: 'order_lifecycle', priority: 'high', retryCount: 0 },
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
  return withDerivedFields(record, record.updatedAt);
}

/** A template version as a store returns it. */
export function aTemplate(overrides: Partial<NotificationTemplate> = {}): NotificationTemplate {
  return {
    type: 'order_confirmation',
    channel: 'email',
    version: 1,
    subject: 'Order Confirmed - #{orderNumber}',
    body: 'Dear #{customerName}, your order #{orderNumber} is confirmed.',
    html: '<p>Dear #{customerName}, your order #{orderNumber} is confirmed.</p>',
    variables: ['orderNumber', 'customerName'],
    description: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: null,
    ...overrides,
  };
}
