import { Money } from '@polyshop/kernel';
import type { AuditEntry, Payment, Refund } from '../../domain/payment.ts';
import type { IdempotencyRecord } from '../../ports/payment-repository.ts';
import {
  PAYMENTS_TABLE,
  type AuditRow,
  type IdempotencyKeyRow,
  type PaymentRow,
  type RefundRow,
} from './payments-tables.ts';

/** Storage mappers between `payments.*` rows (snake_case, numeric strings) and domain objects. */

export const PAYMENT_COLUMNS = PAYMENTS_TABLE.columnList;

export function toPayment(row: PaymentRow): Payment {
  const money = (value: string) => Money.of(value, row.currency);
  const payment: Payment = {
    id: row.id,
    orderId: row.order_id,
    amount: money(row.amount),
    status: row.status,
    method: row.method,
    region: row.region,
    capturedAmount: money(row.captured_amount),
    refundedAmount: money(row.refunded_amount),
    refundPendingAmount: money(row.refund_pending_amount),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.card_brand && row.card_last4) payment.card = { brand: row.card_brand, last4: row.card_last4 };
  if (row.gateway_transaction_id) payment.gatewayTransactionId = row.gateway_transaction_id;
  if (row.reason_code) payment.reasonCode = row.reason_code;
  if (row.authorized_at) payment.authorizedAt = row.authorized_at;
  if (row.captured_at) payment.capturedAt = row.captured_at;
  if (row.voided_at) payment.voidedAt = row.voided_at;
  return payment;
}

/** Parameters $1…$19 in `PAYMENT_COLUMNS` order. */
export function paymentParams(payment: Payment): unknown[] {
  return [
    payment.id,
    payment.orderId,
    payment.amount.toExactString(),
    payment.amount.currency,
    payment.status,
    payment.method,
    payment.region,
    payment.card?.brand ?? null,
    payment.card?.last4 ?? null,
    payment.gatewayTransactionId ?? null,
    payment.reasonCode ?? null,
    payment.capturedAmount.toExactString(),
    payment.refundedAmount.toExactString(),
    payment.refundPendingAmount.toExactString(),
    payment.authorizedAt ?? null,
    payment.capturedAt ?? null,
    payment.voidedAt ?? null,
    payment.createdAt,
    payment.updatedAt,
  ];
}

/** Parameters of an update: $1 the id, then the columns a change may set (status … updated_at). */
export function mutableParams(payment: Payment): unknown[] {
  return [
    payment.id,
    payment.status,
    payment.card?.brand ?? null,
    payment.card?.last4 ?? null,
    payment.gatewayTransactionId ?? null,
    payment.reasonCode ?? null,
    payment.capturedAmount.toExactString(),
    payment.refundedAmount.toExactString(),
    payment.refundPendingAmount.toExactString(),
    payment.authorizedAt ?? null,
    payment.capturedAt ?? null,
    payment.voidedAt ?? null,
    payment.updatedAt,
  ];
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  const entry: AuditEntry = {
    id: row.id,
    paymentId: row.payment_id,
    oldStatus: row.old_status,
    newStatus: row.new_status,
    reason: row.reason,
    actor: row.actor,
    createdAt: row.created_at,
  };
  if (row.ip) entry.ip = row.ip;
  return entry;
}

/** A refund as `selectRefunds` reads it: its row and the currency of its payment. */
export type RefundWithCurrencyRow = RefundRow & Pick<PaymentRow, 'currency'>;

export function toRefund(row: RefundWithCurrencyRow): Refund {
  const refund: Refund = {
    id: row.id,
    paymentId: row.payment_id,
    amount: Money.of(row.amount, row.currency),
    reason: row.reason,
    status: row.status,
    createdAt: row.created_at,
  };
  if (row.gateway_refund_id) refund.gatewayRefundId = row.gateway_refund_id;
  if (row.settled_at) refund.settledAt = row.settled_at;
  return refund;
}

/** An idempotency key as `findIdempotency` reads it (without `created_at`). */
export type IdempotencyRow = Omit<IdempotencyKeyRow, 'created_at'>;

export function toIdempotencyRecord(row: IdempotencyRow): IdempotencyRecord {
  const record: IdempotencyRecord = {
    key: row.key,
    requestHash: row.request_hash,
    paymentId: row.payment_id,
  };
  if (row.completed_at !== null) record.response = { body: row.response_body };
  if (row.locked_until) record.lockedUntil = row.locked_until;
  return record;
}
