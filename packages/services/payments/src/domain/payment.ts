import { AppError, Money } from '@polyshop/kernel';
import type { CardSummary } from './card.ts';
import type { PaymentMethod } from './payment-request.ts';
import { assertTransition, type PaymentStatus } from './payment-status.ts';

/**
 * Why a payment failed; the order saga branches on these codes. The first four are the processor's
 * declines; `PAYMENT.INVALID_TOKEN` is a token the processor does not know.
 */
export const PAYMENT_REASON_CODES = [
  'PAYMENT.DECLINED',
  'PAYMENT.INSUFFICIENT_FUNDS',
  'PAYMENT.CARD_EXPIRED',
  'PAYMENT.PROCESSING_ERROR',
  'PAYMENT.INVALID_TOKEN',
] as const;
export type PaymentReasonCode = (typeof PAYMENT_REASON_CODES)[number];

/** Why a processor declined an authorization (the card networks' common categories). */
export type DeclineReason = 'declined' | 'insufficient_funds' | 'expired_card' | 'processing_error';

const REASON_CODE: Record<DeclineReason, PaymentReasonCode> = {
  declined: 'PAYMENT.DECLINED',
  insufficient_funds: 'PAYMENT.INSUFFICIENT_FUNDS',
  expired_card: 'PAYMENT.CARD_EXPIRED',
  processing_error: 'PAYMENT.PROCESSING_ERROR',
};

export function reasonCodeOf(reason: DeclineReason): PaymentReasonCode {
  return REASON_CODE[reason];
}

/** A payment transaction: one authorization of an order's amount, then its capture, void or refunds. */
export interface Payment {
  id: string;
  orderId: string;
  /** The authorized amount (and currency of every other amount). */
  amount: Money;
  status: PaymentStatus;
  method: PaymentMethod;
  region: string;
  /** Brand and last four digits; set once the gateway answered. */
  card?: CardSummary;
  /** The processor's id for the authorization. */
  gatewayTransactionId?: string;
  /** Why the payment failed (status `failed`). */
  reasonCode?: PaymentReasonCode;
  /** Zero until captured; then the whole amount (partial captures are not offered). */
  capturedAmount: Money;
  /** Refunds that went through. */
  refundedAmount: Money;
  /** Refunds accepted but not yet confirmed by the gateway; counted against the refundable amount. */
  refundPendingAmount: Money;
  createdAt: Date;
  updatedAt: Date;
  authorizedAt?: Date;
  capturedAt?: Date;
  voidedAt?: Date;
}

/** One refund of (part of) a captured payment. */
export interface Refund {
  id: string;
  paymentId: string;
  amount: Money;
  reason: string;
  /** `pending` while the gateway is asked; then `succeeded` or `failed`. */
  status: 'pending' | 'succeeded' | 'failed';
  gatewayRefundId?: string;
  createdAt: Date;
  settledAt?: Date;
}

/** One row of the append-only audit trail: a status change (or a refund), who did it and from where. */
export interface AuditEntry {
  id: string;
  paymentId: string;
  /** `null` for the creation of the payment. */
  oldStatus: PaymentStatus | null;
  newStatus: PaymentStatus;
  reason: string;
  /** The user id of the caller, or `system` for internal calls. */
  actor: string;
  ip?: string;
  createdAt: Date;
}

/** Who asks for a change, recorded in the audit trail. */
export interface Actor {
  /** A user id, or `system`. */
  actor: string;
  ip?: string;
}

export const SYSTEM_ACTOR: Actor = { actor: 'system' };

export function newPayment(input: {
  id: string;
  orderId: string;
  amount: Money;
  method: PaymentMethod;
  region: string;
  at: Date;
}): Payment {
  const zero = Money.zero(input.amount.currency);
  return {
    id: input.id,
    orderId: input.orderId,
    amount: input.amount,
    status: 'pending',
    method: input.method,
    region: input.region,
    capturedAmount: zero,
    refundedAmount: zero,
    refundPendingAmount: zero,
    createdAt: input.at,
    updatedAt: input.at,
  };
}

export function authorize(
  payment: Payment,
  result: { transactionId: string; card?: CardSummary },
  at: Date,
): Payment {
  assertTransition(payment.status, 'authorized');
  return {
    ...payment,
    status: 'authorized',
    gatewayTransactionId: result.transactionId,
    ...cardOf(result),
    authorizedAt: at,
    updatedAt: at,
  };
}

export function fail(
  payment: Payment,
  result: { reasonCode: PaymentReasonCode; transactionId?: string; card?: CardSummary },
  at: Date,
): Payment {
  assertTransition(payment.status, 'failed');
  return {
    ...payment,
    status: 'failed',
    reasonCode: result.reasonCode,
    ...(result.transactionId ? { gatewayTransactionId: result.transactionId } : {}),
    ...cardOf(result),
    updatedAt: at,
  };
}

export function capture(payment: Payment, at: Date): Payment {
  assertTransition(payment.status, 'captured');
  return { ...payment, status: 'captured', capturedAmount: payment.amount, capturedAt: at, updatedAt: at };
}

export function voidPayment(payment: Payment, at: Date): Payment {
  assertTransition(payment.status, 'voided');
  return { ...payment, status: 'voided', voidedAt: at, updatedAt: at };
}

/** What can still be refunded: captured − refunded − refunds in flight. */
export function refundable(payment: Payment): Money {
  return payment.capturedAmount.subtract(payment.refundedAmount).subtract(payment.refundPendingAmount);
}

/**
 * Sets `amount` aside for a refund. Refused (409) unless the payment is captured and the amount fits
 * in what is still refundable, counting refunds in flight — so concurrent refunds can never add up to
 * more than was captured.
 */
export function reserveRefund(payment: Payment, amount: Money, at: Date): Payment {
  assertTransition(payment.status, 'refunded');
  if (!amount.isPositive()) {
    throw AppError.invalidInput('PAYMENT.INVALID_AMOUNT', 'A refund amount must be greater than 0.', {
      field: 'amount',
    });
  }
  const remaining = refundable(payment);
  if (amount.greaterThan(remaining)) {
    throw AppError.conflict(
      'PAYMENT.REFUND_EXCEEDS_CAPTURED',
      `Only ${remaining.toDecimalString()} ${remaining.currency} can still be refunded.`,
      { field: 'amount', details: { refundable: remaining.toDecimalString(), currency: remaining.currency } },
    );
  }
  return { ...payment, refundPendingAmount: payment.refundPendingAmount.add(amount), updatedAt: at };
}

/** The gateway refunded a reserved amount: it moves to refunded; fully refunded payments become `refunded`. */
export function settleRefund(payment: Payment, amount: Money, at: Date): Payment {
  const refundedAmount = payment.refundedAmount.add(amount);
  const status: PaymentStatus = refundedAmount.equals(payment.capturedAmount)
    ? 'refunded'
    : 'partially_refunded';
  assertTransition(payment.status, status);
  return {
    ...payment,
    status,
    refundedAmount,
    refundPendingAmount: payment.refundPendingAmount.subtract(amount),
    updatedAt: at,
  };
}

/** The gateway refused a reserved refund: the amount becomes refundable again. */
export function releaseRefund(payment: Payment, amount: Money, at: Date): Payment {
  return { ...payment, refundPendingAmount: payment.refundPendingAmount.subtract(amount), updatedAt: at };
}

function cardOf(result: { card?: CardSummary }): { card?: CardSummary } {
  return result.card ? { card: { brand: result.card.brand, last4: result.card.last4 } } : {};
}
