import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, Money, systemClock, type Clock, type ErrorKind } from '@polyshop/kernel';
import { lockForTransaction, type SqlDatabase, type SqlExecutor } from '@polyshop/stores';
import { validateCard } from '../../domain/card.ts';
import type {
  GatewayAuthorization,
  GatewayAuthorizeRequest,
  GatewayCaptureRequest,
  GatewayRefundRequest,
  GatewayVoidRequest,
  PaymentGateway,
} from '../../ports/payment-gateway.ts';
import { SANDBOX_CARDS, SANDBOX_TOKENS } from './sandbox-cards.ts';
import {
  SANDBOX_TRANSACTIONS_TABLE,
  type SandboxAnswer,
  type SandboxRequestRow,
  type SandboxTransactionRow,
} from './sandbox-tables.ts';

export interface SandboxPaymentGatewayOptions {
  /** Delay before every answer, like a processor's network round trip. Default 0. */
  latencyMs?: number;
  /**
   * Share of calls (0–1) that fail with `PAYMENT.GATEWAY_UNAVAILABLE`. Half of them fail before the
   * processor acted, half after it acted with the answer lost — a retry with the same key must cope
   * with both. Default 0.
   */
  failureRate?: number;
  /** Random source for the failure draw (tests pass a deterministic one). */
  random?: () => number;
  clock?: Clock;
}

/**
 * The `sandbox` gateway: a fake card network that behaves like a card processor's test mode. Test
 * card numbers and tokens decide the outcome (see `sandbox-cards.ts`), cards are validated as a
 * processor would (Luhn, expiry, CVC), every operation is idempotent on its key (same key and
 * parameters → the first answer; other parameters → conflict), and latency and a failure rate can
 * be configured. Like a processor's test-mode account, it remembers: its transactions, refunds and
 * answers live in its own tables (`payments.sandbox_*`), so a restart forgets nothing — a payment
 * captured before it can be refunded after it, and never beyond what was captured.
 */
export class SandboxPaymentGateway implements PaymentGateway {
  readonly name = 'sandbox';
  readonly #db: SqlDatabase;
  readonly #latencyMs: number;
  readonly #failureRate: number;
  readonly #random: () => number;
  readonly #clock: Clock;

  constructor(db: SqlDatabase, options: SandboxPaymentGatewayOptions = {}) {
    this.#db = db;
    this.#latencyMs = options.latencyMs ?? 0;
    this.#failureRate = options.failureRate ?? 0;
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? systemClock;
  }

  authorize(request: GatewayAuthorizeRequest): Promise<GatewayAuthorization> {
    const { instrument, amount } = request;
    const fingerprint = [
      'authorize',
      amount.toString(),
      request.reference,
      instrument.kind === 'card' ? instrument.card.last4 : instrument.token,
    ];
    return this.#idempotent(request.idempotencyKey, fingerprint, async (tx, now) => {
      const { outcome, card } =
        instrument.kind === 'card'
          ? {
              outcome: SANDBOX_CARDS[instrument.card.details.number] ?? 'approved',
              card: this.#checkCard(instrument.card.details),
            }
          : this.#token(instrument.token);
      const transactionId = `sbx_ch_${randomUUID().replaceAll('-', '')}`;
      await tx.execute(
        `INSERT INTO payments.sandbox_transactions
           (id, reference, amount, currency, status, captured_amount, refunded_amount, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $6)`,
        [
          transactionId,
          request.reference,
          amount.toExactString(),
          amount.currency,
          outcome === 'approved' ? 'authorized' : 'declined',
          now,
        ],
      );
      return outcome === 'approved'
        ? { outcome, transactionId, card }
        : { outcome: 'declined', reason: outcome, transactionId, card };
    });
  }

  capture(request: GatewayCaptureRequest): Promise<void> {
    const fingerprint = ['capture', request.transactionId, request.amount.toString()];
    return this.#idempotent(request.idempotencyKey, fingerprint, async (tx, now) => {
      const transaction = await lockTransaction(tx, request.transactionId, 'authorized', 'captured');
      if (request.amount.greaterThan(transaction.amount)) reject('Cannot capture more than was authorized.');
      await tx.execute(
        `UPDATE payments.sandbox_transactions SET status = 'captured', captured_amount = $2, updated_at = $3
         WHERE id = $1`,
        [request.transactionId, request.amount.toExactString(), now],
      );
    });
  }

  void(request: GatewayVoidRequest): Promise<void> {
    return this.#idempotent(request.idempotencyKey, ['void', request.transactionId], async (tx, now) => {
      await lockTransaction(tx, request.transactionId, 'authorized', 'voided');
      await tx.execute(
        `UPDATE payments.sandbox_transactions SET status = 'voided', updated_at = $2 WHERE id = $1`,
        [request.transactionId, now],
      );
    });
  }

  refund(request: GatewayRefundRequest): Promise<{ refundId: string }> {
    const fingerprint = ['refund', request.transactionId, request.amount.toString()];
    return this.#idempotent(request.idempotencyKey, fingerprint, async (tx, now) => {
      const transaction = await lockTransaction(tx, request.transactionId, 'captured', 'refunded');
      if (transaction.refunded.add(request.amount).greaterThan(transaction.captured)) {
        reject('Cannot refund more than was captured.');
      }
      const refundId = `sbx_re_${randomUUID().replaceAll('-', '')}`;
      await tx.execute(
        `UPDATE payments.sandbox_transactions SET refunded_amount = refunded_amount + $2, updated_at = $3
         WHERE id = $1`,
        [request.transactionId, request.amount.toExactString(), now],
      );
      await tx.execute(
        `INSERT INTO payments.sandbox_refunds (id, transaction_id, amount, created_at) VALUES ($1, $2, $3, $4)`,
        [refundId, request.transactionId, request.amount.toExactString(), now],
      );
      return { refundId };
    });
  }

  /**
   * Runs `work` once per key: in one transaction that holds the key's advisory lock, an answer already
   * stored for the key is returned (or refused when the parameters differ), else `work` runs and its
   * answer — a value or a refusal — is stored with its changes. Concurrent calls with one key wait for
   * each other, in this process or another.
   */
  async #idempotent<T>(
    key: string,
    parameters: readonly string[],
    work: (tx: SqlExecutor, now: Date) => Promise<T>,
  ): Promise<T> {
    if (this.#latencyMs > 0) await sleep(this.#latencyMs);
    const draw = this.#failureRate > 0 ? this.#random() : 1;
    if (draw < this.#failureRate / 2) throw unavailable();
    const fingerprint = createHash('sha256').update(JSON.stringify(parameters)).digest('hex');
    const answer = await this.#db.transaction(async (tx) => {
      await lockForTransaction(this.#db, tx, `polyshop.sandbox.${key}`);
      const [stored] = await tx.query<Pick<SandboxRequestRow, 'fingerprint' | 'answer'>>(
        `SELECT fingerprint, answer FROM payments.sandbox_requests WHERE idempotency_key = $1`,
        [key],
      );
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          reject('The gateway idempotency key was used with other parameters.');
        }
        return stored.answer;
      }
      const now = this.#clock.now();
      let settled: SandboxAnswer;
      try {
        const value = await work(tx, now);
        settled = value === undefined ? { ok: true } : { ok: true, value };
      } catch (error) {
        if (!(error instanceof AppError) || error.kind === 'unavailable') throw error;
        settled = { ok: false, error: toStoredError(error) };
      }
      await tx.execute(
        `INSERT INTO payments.sandbox_requests (idempotency_key, fingerprint, answer, created_at)
         VALUES ($1, $2, $3::jsonb, $4)`,
        [key, fingerprint, JSON.stringify(settled), now],
      );
      return settled;
    });
    if (draw < this.#failureRate) throw unavailable();
    if (!answer.ok) throw fromStoredError(answer.error);
    return answer.value as T;
  }

  #checkCard(details: Parameters<typeof validateCard>[0]) {
    const { brand, last4 } = validateCard(details, this.#clock.now());
    return { brand, last4 };
  }

  #token(token: string) {
    const known = SANDBOX_TOKENS[token];
    if (!known) throw AppError.invalidInput('PAYMENT.INVALID_TOKEN', 'No such token.', { field: 'token' });
    return known;
  }
}

interface LockedTransaction {
  amount: Money;
  captured: Money;
  refunded: Money;
}

/** Reads a transaction under its row lock, refusing it unless it is in `required` status. */
async function lockTransaction(
  tx: SqlExecutor,
  id: string,
  required: SandboxTransactionRow['status'],
  action: string,
): Promise<LockedTransaction> {
  const [row] = await tx.query<SandboxTransactionRow>(
    `SELECT ${SANDBOX_TRANSACTIONS_TABLE.columnList} FROM payments.sandbox_transactions WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!row) reject(`No such transaction ${id}.`);
  if (row.status !== required) reject(`A ${row.status} transaction cannot be ${action}.`);
  const currency = row.currency.trim();
  return {
    amount: Money.of(row.amount, currency),
    captured: Money.of(row.captured_amount, currency),
    refunded: Money.of(row.refunded_amount, currency),
  };
}

function toStoredError(error: AppError): Extract<SandboxAnswer, { ok: false }>['error'] {
  return {
    kind: error.kind,
    code: error.code,
    message: error.message,
    ...(error.field ? { field: error.field } : {}),
  };
}

function fromStoredError(error: Extract<SandboxAnswer, { ok: false }>['error']): AppError {
  return new AppError(error.kind as ErrorKind, error.code, error.message, {
    ...(error.field ? { field: error.field } : {}),
  });
}

function reject(message: string): never {
  throw AppError.conflict('PAYMENT.GATEWAY_REJECTED', message);
}

function unavailable(): AppError {
  return AppError.unavailable(
    'PAYMENT.GATEWAY_UNAVAILABLE',
    'The payment gateway did not answer; retry with the same idempotency key.',
  );
}
