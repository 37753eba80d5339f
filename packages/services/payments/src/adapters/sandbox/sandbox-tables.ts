import { defineTable } from '@polyshop/stores';
import { PAYMENTS_SCHEMA } from '../postgres/payments-schema.ts';

/**
 * The `sandbox` gateway's tables in the `payments` schema (migration 0003): its transactions, refunds
 * and the answer to each gateway idempotency key, kept like a processor's test-mode account.
 */

/** A row of `payments.sandbox_transactions`: one authorization, and what was captured and refunded of it. */
export interface SandboxTransactionRow {
  id: string;
  reference: string;
  amount: string;
  currency: string;
  status: 'authorized' | 'captured' | 'voided' | 'declined';
  captured_amount: string;
  refunded_amount: string;
  created_at: Date;
  updated_at: Date;
}

/** A row of `payments.sandbox_refunds`. */
export interface SandboxRefundRow {
  id: string;
  transaction_id: string;
  amount: string;
  created_at: Date;
}

/** A row of `payments.sandbox_requests`: the answer given to a gateway idempotency key. */
export interface SandboxRequestRow {
  idempotency_key: string;
  fingerprint: string;
  answer: SandboxAnswer;
  created_at: Date;
}

/** An answer as stored: the value returned, or the refusal (an AppError's wire form). */
export type SandboxAnswer =
  | { ok: true; value?: unknown }
  | { ok: false; error: { kind: string; code: string; message: string; field?: string } };

export const SANDBOX_TRANSACTIONS_TABLE = defineTable<SandboxTransactionRow>()(
  PAYMENTS_SCHEMA,
  'sandbox_transactions',
  [
    'id',
    'reference',
    'amount',
    'currency',
    'status',
    'captured_amount',
    'refunded_amount',
    'created_at',
    'updated_at',
  ],
);

export const SANDBOX_REFUNDS_TABLE = defineTable<SandboxRefundRow>()(PAYMENTS_SCHEMA, 'sandbox_refunds', [
  'id',
  'transaction_id',
  'amount',
  'created_at',
]);

export const SANDBOX_REQUESTS_TABLE = defineTable<SandboxRequestRow>()(PAYMENTS_SCHEMA, 'sandbox_requests', [
  'idempotency_key',
  'fingerprint',
  'answer',
  'created_at',
]);

export const SANDBOX_TABLES = [SANDBOX_TRANSACTIONS_TABLE, SANDBOX_REFUNDS_TABLE, SANDBOX_REQUESTS_TABLE];
