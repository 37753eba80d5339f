import { defineTable, fingerprintKeyTable } from '@polyshop/stores';
import type { PaymentReasonCode, Refund } from '../../domain/payment.ts';
import type { PaymentMethod } from '../../domain/payment-request.ts';
import type { PaymentStatus } from '../../domain/payment-status.ts';
import { SANDBOX_TABLES } from '../sandbox/sandbox-tables.ts';
import { PAYMENTS_SCHEMA } from './payments-schema.ts';

/**
 * Every table of the `payments` schema, one row type each (snake_case, numeric as exact strings);
 * `test/contract/payments-tables.test.ts` checks them against the migrated database.
 */

/** A row of `payments.payment_transactions`. */
export interface PaymentRow {
  id: string;
  order_id: string;
  amount: string;
  currency: string;
  status: PaymentStatus;
  method: PaymentMethod;
  region: string;
  card_brand: string | null;
  card_last4: string | null;
  gateway_transaction_id: string | null;
  reason_code: PaymentReasonCode | null;
  captured_amount: string;
  refunded_amount: string;
  refund_pending_amount: string;
  authorized_at: Date | null;
  captured_at: Date | null;
  voided_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of `payments.payment_audit_log` (append-only; `ip` read as `host(ip)`). */
export interface AuditRow {
  id: string;
  payment_id: string;
  old_status: PaymentStatus | null;
  new_status: PaymentStatus;
  reason: string;
  actor: string;
  ip: string | null;
  created_at: Date;
}

/** A row of `payments.refunds`. */
export interface RefundRow {
  id: string;
  payment_id: string;
  amount: string;
  reason: string;
  status: Refund['status'];
  gateway_refund_id: string | null;
  created_at: Date;
  settled_at: Date | null;
}

/** A row of `payments.idempotency_keys`: the first answer to a request key. */
export interface IdempotencyKeyRow {
  key: string;
  request_hash: string;
  payment_id: string;
  response_body: unknown;
  locked_until: Date | null;
  created_at: Date;
  completed_at: Date | null;
}

export const PAYMENTS_TABLE = defineTable<PaymentRow>()(PAYMENTS_SCHEMA, 'payment_transactions', [
  'id',
  'order_id',
  'amount',
  'currency',
  'status',
  'method',
  'region',
  'card_brand',
  'card_last4',
  'gateway_transaction_id',
  'reason_code',
  'captured_amount',
  'refunded_amount',
  'refund_pending_amount',
  'authorized_at',
  'captured_at',
  'voided_at',
  'created_at',
  'updated_at',
]);

export const AUDIT_LOG_TABLE = defineTable<AuditRow>()(PAYMENTS_SCHEMA, 'payment_audit_log', [
  'id',
  'payment_id',
  'old_status',
  'new_status',
  'reason',
  'actor',
  'ip',
  'created_at',
]);

export const REFUNDS_TABLE = defineTable<RefundRow>()(PAYMENTS_SCHEMA, 'refunds', [
  'id',
  'payment_id',
  'amount',
  'reason',
  'status',
  'gateway_refund_id',
  'created_at',
  'settled_at',
]);

export const IDEMPOTENCY_KEYS_TABLE = defineTable<IdempotencyKeyRow>()(PAYMENTS_SCHEMA, 'idempotency_keys', [
  'key',
  'request_hash',
  'payment_id',
  'response_body',
  'locked_until',
  'created_at',
  'completed_at',
]);

/**
 * The service's own tables, the sandbox gateway's included (`migrate` adds the messaging tables,
 * declared in `@polyshop/stores`).
 */
export const PAYMENTS_TABLES = [
  PAYMENTS_TABLE,
  AUDIT_LOG_TABLE,
  REFUNDS_TABLE,
  IDEMPOTENCY_KEYS_TABLE,
  fingerprintKeyTable(PAYMENTS_SCHEMA),
  ...SANDBOX_TABLES,
];
