import type { ChannelType, NotificationPriority } from './notification.ts';
import type { TemplateContent } from './template.ts';

/** The notification types the service sends on its own, one per trigger event. */
export const NOTIFICATION_TYPES = {
  welcome: { campaign: 'onboarding', priority: 'normal' },
  order_confirmation: { campaign: 'order_lifecycle', priority: 'high' },
  order_failed: { campaign: 'order_lifecycle', priority: 'high' },
  order_cancelled: { campaign: 'order_lifecycle', priority: 'high' },
  payment_refunded: { campaign: 'order_lifecycle', priority: 'high' },
} as const satisfies Record<string, { campaign: string; priority: NotificationPriority }>;

export type BuiltInType = keyof typeof NOTIFICATION_TYPES;

export interface DefaultTemplate extends TemplateContent {
  type: BuiltInType;
  channel: ChannelType;
}

const ORDER_TOTALS = [
  'orderNumber',
  'customerName',
  'productNames',
  'itemCount',
  'subtotal',
  'tax',
  'shipping',
  'total',
  'currency',
];

function forType(
  type: BuiltInType,
  variables: string[],
  channels: Record<ChannelType, Omit<TemplateContent, 'variables'>>,
): DefaultTemplate[] {
  return (Object.keys(channels) as ChannelType[]).map((channel) => ({
    type,
    channel,
    variables,
    ...channels[channel],
  }));
}

/** Version 1 of every built-in type on every channel, seeded at start when no version exists yet. */
export const DEFAULT_TEMPLATES: readonly DefaultTemplate[] = [
  ...forType('welcome', ['customerName'], {
    email: {
      subject: 'Welcome to polyshop, #{customerName}',
      body: 'Dear #{customerName},\n\nwelcome to polyshop! Your account is ready.\n',
      html: '<p>Dear #{customerName},</p><p>welcome to polyshop! Your account is ready.</p>',
    },
    sms: { body: 'Welcome to polyshop, #{customerName}!' },
    push: { subject: 'Welcome to polyshop', body: 'Hi #{customerName}, your account is ready.' },
  }),
  ...forType('order_confirmation', ORDER_TOTALS, {
    email: {
      subject: 'Order Confirmed - #{orderNumber}',
      body:
        'Dear #{customerName}, your order for #{productNames} has been confirmed.\n\n' +
        'Order: #{orderNumber}\nItems: #{itemCount}\nSubtotal: #{subtotal} #{currency}\nTax: #{tax} #{currency}\n' +
        'Shipping: #{shipping} #{currency}\nTotal: #{total} #{currency}\n',
      html:
        '<p>Dear #{customerName}, your order for #{productNames} has been confirmed.</p>' +
        '<table><tr><td>Order</td><td>#{orderNumber}</td></tr><tr><td>Items</td><td>#{itemCount}</td></tr>' +
        '<tr><td>Subtotal</td><td>#{subtotal} #{currency}</td></tr><tr><td>Tax</td><td>#{tax} #{currency}</td></tr>' +
        '<tr><td>Shipping</td><td>#{shipping} #{currency}</td></tr><tr><td><strong>Total</strong></td><td><strong>#{total} #{currency}</strong></td></tr></table>',
    },
    sms: { body: 'polyshop: order #{orderNumber} confirmed, total #{total} #{currency}.' },
    push: {
      subject: 'Order Confirmed - #{orderNumber}',
      body: 'Your order of #{itemCount} item(s) is confirmed: #{total} #{currency}.',
    },
  }),
  ...forType('order_failed', ['orderNumber', 'customerName', 'reason'], {
    email: {
      subject: 'Order #{orderNumber} could not be completed',
      body: 'Dear #{customerName},\n\nwe could not complete your order #{orderNumber}: #{reason}. You have not been charged.\n',
      html: '<p>Dear #{customerName},</p><p>we could not complete your order #{orderNumber}: #{reason}. You have not been charged.</p>',
    },
    sms: { body: 'polyshop: order #{orderNumber} could not be completed: #{reason}.' },
    push: {
      subject: 'Order #{orderNumber} not completed',
      body: 'We could not complete your order: #{reason}.',
    },
  }),
  ...forType('order_cancelled', ['orderNumber', 'customerName', 'total', 'currency'], {
    email: {
      subject: 'Order #{orderNumber} cancelled',
      body: 'Dear #{customerName},\n\nyour order #{orderNumber} (#{total} #{currency}) has been cancelled.\n',
      html: '<p>Dear #{customerName},</p><p>your order #{orderNumber} (#{total} #{currency}) has been cancelled.</p>',
    },
    sms: { body: 'polyshop: order #{orderNumber} has been cancelled.' },
    push: {
      subject: 'Order #{orderNumber} cancelled',
      body: 'Your order #{orderNumber} has been cancelled.',
    },
  }),
  ...forType(
    'payment_refunded',
    ['orderNumber', 'customerName', 'amount', 'currency', 'refundedTotal', 'reason'],
    {
      email: {
        subject: 'Refund for order #{orderNumber}',
        body:
          'Dear #{customerName},\n\nwe refunded #{amount} #{currency} for order #{orderNumber} ' +
          '(refunded in total: #{refundedTotal} #{currency}).\nReason: #{reason}\n',
        html:
          '<p>Dear #{customerName},</p><p>we refunded <strong>#{amount} #{currency}</strong> for order #{orderNumber} ' +
          '(refunded in total: #{refundedTotal} #{currency}).</p><p>Reason: #{reason}</p>',
      },
      sms: { body: 'polyshop: #{amount} #{currency} refunded for order #{orderNumber}.' },
      push: {
        subject: 'Refund for order #{orderNumber}',
        body: '#{amount} #{currency} is on its way back to you.',
      },
    },
  ),
];
