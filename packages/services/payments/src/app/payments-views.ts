import {
  refundable,
  type AuditEntry,
  type Payment,
  type PaymentReasonCode,
  type Refund,
} from '../domain/payment.ts';
import type { PaymentMethod } from '../domain/payment-request.ts';
import type { PaymentStatus } from '../domain/payment-status.ts';

/** A payment as the API and the client return it. Amounts are decimal strings in `currency`. */
export interface PaymentView {
  id: string;
  orderId: string;
  status: PaymentStatus;
  amount: string;
  currency: string;
  method: PaymentMethod;
  region: string;
  /** Brand and last four digits — all that is kept of a card. */
  card?: { brand: string; last4: string };
  gatewayTransactionId?: string;
  /** Set when `status` is `failed`: `PAYMENT.DECLINED`, `PAYMENT.INSUFFICIENT_FUNDS`, … */
  reasonCode?: PaymentReasonCode;
  capturedAmount: string;
  refundedAmount: string;
  /** What can still be refunded (captured − refunded − refunds in flight). */
  refundableAmount: string;
  createdAt: string;
  updatedAt: string;
  authorizedAt?: string;
  capturedAt?: string;
  voidedAt?: string;
}

/** One row of a payment's audit trail. */
export interface AuditEntryView {
  oldStatus: PaymentStatus | null;
  newStatus: PaymentStatus;
  reason: string;
  /** A user id or `system`. */
  actor: string;
  ip?: string;
  createdAt: string;
}

export interface RefundView {
  id: string;
  amount: string;
  currency: string;
  reason: string;
  status: Refund['status'];
  createdAt: string;
  settledAt?: string;
}

/** `GET /payments/{id}`: the payment with its refunds and full audit trail. */
export interface PaymentDetailsView extends PaymentView {
  refunds: RefundView[];
  auditTrail: AuditEntryView[];
}

/** The answer to a refund: the refund and the payment after it. */
export interface RefundResultView {
  refund: RefundView;
  payment: PaymentView;
}

export function toPaymentView(payment: Payment): PaymentView {
  const view: PaymentView = {
    id: payment.id,
    orderId: payment.orderId,
    status: payment.status,
    amount: payment.amount.toDecimalString(),
    currency: payment.amount.currency,
    method: payment.method,
    region: payment.region,
    capturedAmount: payment.capturedAmount.toDecimalString(),
    refundedAmount: payment.refundedAmount.toDecimalString(),
    refundableAmount: refundable(payment).toDecimalString(),
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString(),
  };
  if (payment.card) view.card = { brand: payment.card.brand, last4: payment.card.last4 };
  if (payment.gatewayTransactionId) view.gatewayTransactionId = payment.gatewayTransactionId;
  if (payment.reasonCode) view.reasonCode = payment.reasonCode;
  if (payment.authorizedAt) view.authorizedAt = payment.authorizedAt.toISOString();
  if (payment.capturedAt) view.capturedAt = payment.capturedAt.toISOString();
  if (payment.voidedAt) view.voidedAt = payment.voidedAt.toISOString();
  return view;
}

export function toAuditEntryView(entry: AuditEntry): AuditEntryView {
  const view: AuditEntryView = {
    oldStatus: entry.oldStatus,
    newStatus: entry.newStatus,
    reason: entry.reason,
    actor: entry.actor,
    createdAt: entry.createdAt.toISOString(),
  };
  if (entry.ip) view.ip = entry.ip;
  return view;
}

export function toRefundView(refund: Refund): RefundView {
  const view: RefundView = {
    id: refund.id,
    amount: refund.amount.toDecimalString(),
    currency: refund.amount.currency,
    reason: refund.reason,
    status: refund.status,
    createdAt: refund.createdAt.toISOString(),
  };
  if (refund.settledAt) view.settledAt = refund.settledAt.toISOString();
  return view;
}
