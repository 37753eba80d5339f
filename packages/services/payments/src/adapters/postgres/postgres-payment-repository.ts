import { AppError, isUuid, Money, newId } from '@polyshop/kernel';
import { appendToOutbox, lockForTransaction, type SqlDatabase, type SqlExecutor } from '@polyshop/stores';
import type { Actor, AuditEntry, Payment, Refund } from '../../domain/payment.ts';
import type { PaymentStatus } from '../../domain/payment-status.ts';
import type { RevenueQuery, RevenueRow } from '../../domain/revenue.ts';
import type {
  CreatePaymentResult,
  IdempotencyRecord,
  NewPayment,
  PaymentChange,
  PaymentReader,
  PaymentRepository,
} from '../../ports/payment-repository.ts';
import { PAYMENTS_SCHEMA } from './payments-schema.ts';
import {
  mutableParams,
  PAYMENT_COLUMNS,
  paymentParams,
  toAuditEntry,
  toIdempotencyRecord,
  toPayment,
  toRefund,
  type IdempotencyRow,
  type RefundWithCurrencyRow,
} from './postgres-payment-rows.ts';
import type { AuditRow, PaymentRow } from './payments-tables.ts';

const SCHEMA = PAYMENTS_SCHEMA;
const PLACEHOLDERS = Array.from({ length: 19 }, (_, i) => `$${i + 1}`).join(', ');

export interface PostgresPaymentRepositoryOptions {
  /** Called after a commit that wrote events to the outbox (wakes the relay). */
  onEvents?: () => void;
}

/**
 * Payments in PostgreSQL (PGlite or a server), schema `payments`. A change runs in one transaction
 * that locks the payment row (`SELECT … FOR UPDATE`), so concurrent captures, voids and refunds of
 * one payment apply one after the other on fresh state; its audit row and outbox events commit with it.
 */
export class PostgresPaymentRepository implements PaymentRepository {
  readonly #db: SqlDatabase;
  readonly #onEvents: (() => void) | undefined;

  constructor(db: SqlDatabase, options: PostgresPaymentRepositoryOptions = {}) {
    this.#db = db;
    this.#onEvents = options.onEvents;
  }

  async create(input: NewPayment): Promise<CreatePaymentResult> {
    const { payment, idempotency } = input;
    const result = await this.#db
      .transaction(async (tx): Promise<CreatePaymentResult> => {
        // On a real server a concurrent insert of the same key waits here until the other commits.
        const inserted = await tx.execute(
          `INSERT INTO ${SCHEMA}.idempotency_keys (key, request_hash, payment_id, locked_until, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING`,
          [idempotency.key, idempotency.requestHash, payment.id, idempotency.lockedUntil, payment.createdAt],
        );
        if (inserted === 0) {
          const existing = await findIdempotency(tx, idempotency.key);
          if (!existing) throw new Error(`idempotency key vanished after a conflict`);
          return { created: false, existing };
        }
        // One live payment per order: concurrent requests for one order (with different keys) take turns here.
        await lockForTransaction(this.#db, tx, `polyshop.payments.order.${payment.orderId}`);
        const [live] = await tx.query<Pick<PaymentRow, 'id' | 'status'>>(
          `SELECT id, status FROM ${SCHEMA}.payment_transactions
         WHERE order_id = $1 AND status NOT IN ('failed', 'voided') LIMIT 1`,
          [payment.orderId],
        );
        if (live) throw new OrderAlreadyPaid({ paymentId: live.id, status: live.status });
        await tx.query(
          `INSERT INTO ${SCHEMA}.payment_transactions (${PAYMENT_COLUMNS}) VALUES (${PLACEHOLDERS})`,
          paymentParams(payment),
        );
        await insertAudit(tx, payment.id, null, payment.status, input.reason, input.actor, payment.createdAt);
        return { created: true };
      })
      .catch((error: unknown) => {
        // Thrown to roll the key back; answered as a result.
        if (error instanceof OrderAlreadyPaid) return { created: false as const, orderPaidBy: error.payment };
        throw error;
      });
    return result;
  }

  findIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    return findIdempotency(this.#db, key);
  }

  async lockIdempotency(key: string, now: Date, until: Date): Promise<boolean> {
    const updated = await this.#db.execute(
      `UPDATE ${SCHEMA}.idempotency_keys SET locked_until = $3
       WHERE key = $1 AND completed_at IS NULL AND (locked_until IS NULL OR locked_until <= $2)`,
      [key, now, until],
    );
    return updated === 1;
  }

  async unlockIdempotency(key: string): Promise<void> {
    await this.#db.execute(
      `UPDATE ${SCHEMA}.idempotency_keys SET locked_until = NULL WHERE key = $1 AND completed_at IS NULL`,
      [key],
    );
  }

  async update(
    paymentId: string,
    decide: (
      current: Payment,
      reader: PaymentReader,
    ) => PaymentChange | undefined | Promise<PaymentChange | undefined>,
  ): Promise<Payment> {
    let wroteEvents = false;
    const payment = await this.#db.transaction(async (tx) => {
      const [row] = isUuid(paymentId)
        ? await tx.query<PaymentRow>(
            `SELECT ${PAYMENT_COLUMNS} FROM ${SCHEMA}.payment_transactions WHERE id = $1 FOR UPDATE`,
            [paymentId],
          )
        : [];
      if (!row) throw notFound(paymentId);
      const current = toPayment(row);
      const change = await decide(current, {
        refund: async (id) =>
          (await selectRefunds(tx, 'r.id = $1 AND r.payment_id = $2', [id, paymentId]))[0],
      });
      if (!change) return current;
      const next = change.payment;
      await tx.query(
        `UPDATE ${SCHEMA}.payment_transactions SET status = $2, card_brand = $3, card_last4 = $4, gateway_transaction_id = $5,
           reason_code = $6, captured_amount = $7, refunded_amount = $8, refund_pending_amount = $9,
           authorized_at = $10, captured_at = $11, voided_at = $12, updated_at = $13
         WHERE id = $1`,
        mutableParams(next),
      );
      if (change.audit) {
        await insertAudit(
          tx,
          next.id,
          current.status,
          next.status,
          change.audit.reason,
          change.audit.actor,
          next.updatedAt,
        );
      }
      if (change.refund) await upsertRefund(tx, change.refund);
      if (change.events?.length) {
        await appendToOutbox(tx, SCHEMA, change.events);
        wroteEvents = true;
      }
      if (change.completeIdempotency) {
        const { key, response } = change.completeIdempotency;
        await tx.query(
          `UPDATE ${SCHEMA}.idempotency_keys SET response_body = $2, locked_until = NULL, completed_at = $3
           WHERE key = $1 AND completed_at IS NULL`,
          [key, JSON.stringify(response.body), next.updatedAt],
        );
      }
      return next;
    });
    if (wroteEvents) this.#onEvents?.();
    return payment;
  }

  async findById(id: string): Promise<Payment | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.#db.query<PaymentRow>(
      `SELECT ${PAYMENT_COLUMNS} FROM ${SCHEMA}.payment_transactions WHERE id = $1`,
      [id],
    );
    return row ? toPayment(row) : undefined;
  }

  async findByOrder(orderId: string): Promise<Payment[]> {
    if (!isUuid(orderId)) return [];
    const rows = await this.#db.query<PaymentRow>(
      `SELECT ${PAYMENT_COLUMNS} FROM ${SCHEMA}.payment_transactions WHERE order_id = $1 ORDER BY created_at, id`,
      [orderId],
    );
    return rows.map(toPayment);
  }

  async auditTrail(paymentId: string): Promise<AuditEntry[]> {
    if (!isUuid(paymentId)) return [];
    const rows = await this.#db.query<AuditRow>(
      `SELECT id, payment_id, old_status, new_status, reason, actor, host(ip) AS ip, created_at
       FROM ${SCHEMA}.payment_audit_log WHERE payment_id = $1 ORDER BY created_at, id`,
      [paymentId],
    );
    return rows.map(toAuditEntry);
  }

  async refunds(paymentId: string): Promise<Refund[]> {
    return isUuid(paymentId) ? selectRefunds(this.#db, 'r.payment_id = $1', [paymentId]) : [];
  }

  pendingRefunds(createdBefore: Date, limit: number): Promise<Refund[]> {
    return selectRefunds(this.#db, `r.status = 'pending' AND r.created_at < $1`, [createdBefore], limit);
  }

  async revenue(query: RevenueQuery): Promise<RevenueRow[]> {
    // Group columns come from a closed list, never from the request text.
    const groups = query.groupBy.map((group) =>
      group === 'month' ? `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM') AS month` : group,
    );
    const names = [...query.groupBy, 'currency'];
    const rows = await this.#db.query<Record<string, string>>(
      `WITH movements AS (
         SELECT captured_at AS at, method, region, currency, captured_amount AS captured, 0::numeric AS refunded
         FROM ${SCHEMA}.payment_transactions WHERE captured_at >= $1 AND captured_at < $2
         UNION ALL
         SELECT r.settled_at, p.method, p.region, p.currency, 0::numeric, r.amount
         FROM ${SCHEMA}.refunds r JOIN ${SCHEMA}.payment_transactions p ON p.id = r.payment_id
         WHERE r.status = 'succeeded' AND r.settled_at >= $1 AND r.settled_at < $2
       )
       SELECT ${[...groups, 'currency'].join(', ')}, sum(captured) AS captured, sum(refunded) AS refunded
       FROM movements GROUP BY ${names.join(', ')} ORDER BY ${names.join(', ')}`,
      [query.start, query.end],
    );
    return rows.map((row) => {
      const currency = row.currency!.trim();
      const captured = Money.of(row.captured!, currency);
      const refunded = Money.of(row.refunded!, currency);
      const result: RevenueRow = {
        currency,
        captured: captured.toDecimalString(),
        refunded: refunded.toDecimalString(),
        net: captured.subtract(refunded).toDecimalString(),
      };
      for (const group of query.groupBy) result[group] = row[group]!;
      return result;
    });
  }
}

async function findIdempotency(db: SqlExecutor, key: string): Promise<IdempotencyRecord | undefined> {
  const [row] = await db.query<IdempotencyRow>(
    `SELECT key, request_hash, payment_id, response_body, locked_until, completed_at FROM ${SCHEMA}.idempotency_keys WHERE key = $1`,
    [key],
  );
  return row ? toIdempotencyRecord(row) : undefined;
}

async function selectRefunds(
  db: SqlExecutor,
  where: string,
  params: unknown[],
  limit = 1000,
): Promise<Refund[]> {
  const rows = await db.query<RefundWithCurrencyRow>(
    `SELECT r.id, r.payment_id, r.amount, p.currency, r.reason, r.status, r.gateway_refund_id, r.created_at, r.settled_at
     FROM ${SCHEMA}.refunds r JOIN ${SCHEMA}.payment_transactions p ON p.id = r.payment_id
     WHERE ${where} ORDER BY r.created_at, r.id LIMIT ${Number(limit)}`,
    params,
  );
  return rows.map(toRefund);
}

async function insertAudit(
  tx: SqlExecutor,
  paymentId: string,
  oldStatus: PaymentStatus | null,
  newStatus: PaymentStatus,
  reason: string,
  actor: Actor,
  at: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO ${SCHEMA}.payment_audit_log (id, payment_id, old_status, new_status, reason, actor, ip, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [newId(), paymentId, oldStatus, newStatus, reason, actor.actor, actor.ip ?? null, at],
  );
}

async function upsertRefund(tx: SqlExecutor, refund: Refund): Promise<void> {
  await tx.query(
    `INSERT INTO ${SCHEMA}.refunds (id, payment_id, amount, reason, status, gateway_refund_id, created_at, settled_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, gateway_refund_id = EXCLUDED.gateway_refund_id,
       settled_at = EXCLUDED.settled_at`,
    [
      refund.id,
      refund.paymentId,
      refund.amount.toExactString(),
      refund.reason,
      refund.status,
      refund.gatewayRefundId ?? null,
      refund.createdAt,
      refund.settledAt ?? null,
    ],
  );
}

function notFound(id: string): AppError {
  return AppError.notFound('PAYMENT.NOT_FOUND', `No payment ${id}.`, { field: 'id' });
}

/** Rolls back a new payment's transaction when its order already has a live payment. */
class OrderAlreadyPaid extends Error {
  readonly payment: { paymentId: string; status: PaymentRow['status'] };
  constructor(payment: { paymentId: string; status: PaymentRow['status'] }) {
    super(`order already paid by ${payment.paymentId}`);
    this.payment = payment;
  }
}
