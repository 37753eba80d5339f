import type { EventEnvelope } from '@polyshop/kernel';
import type { PaymentReasonCode } from './payment.ts';

/** `source` of every payment event. */
export const PAYMENTS_EVENT_SOURCE = 'payments';
/** `aggregateType` of every payment event; `aggregateId` is the payment id. */
export const PAYMENT_AGGREGATE = 'payment';

/** The data every payment event carries (version 1). Amounts are decimal strings in `currency`. */
export interface PaymentEventData {
  paymentId: string;
  orderId: string;
  /** The payment's amount; for `payment.refunded`, the amount of this refund. */
  amount: string;
  currency: string;
  /** `payment.refunded`: everything refunded so far, this refund included. */
  refundedTotal?: string;
  /** `payment.refunded`: the reason given for the refund; `payment.failed`: the reason code. */
  reason?: string;
  /** `payment.failed`: why (`PAYMENT.DECLINED`, `PAYMENT.INSUFFICIENT_FUNDS`, …). */
  reasonCode?: PaymentReasonCode;
}

/** The gateway approved the authorization; the amount is held on the card. */
export type PaymentAuthorizedEvent = EventEnvelope<PaymentEventData, 'payment.authorized'>;
/** The authorized amount was captured (money moved). */
export type PaymentCapturedEvent = EventEnvelope<PaymentEventData, 'payment.captured'>;
/** The authorization was released without capture. */
export type PaymentVoidedEvent = EventEnvelope<PaymentEventData, 'payment.voided'>;
/** A refund went through; `refundedTotal` tells whether the payment is now fully refunded. */
export type PaymentRefundedEvent = EventEnvelope<PaymentEventData, 'payment.refunded'>;
/** The authorization was declined or refused; `reasonCode` says why. */
export type PaymentFailedEvent = EventEnvelope<PaymentEventData, 'payment.failed'>;

export type PaymentEvent =
  | PaymentAuthorizedEvent
  | PaymentCapturedEvent
  | PaymentVoidedEvent
  | PaymentRefundedEvent
  | PaymentFailedEvent;

export type PaymentEventType = PaymentEvent['type'];

export const PAYMENT_EVENT_TYPES: readonly PaymentEventType[] = [
  'payment.authorized',
  'payment.captured',
  'payment.voided',
  'payment.refunded',
  'payment.failed',
];
