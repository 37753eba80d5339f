import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, Money, systemClock, type Clock } from '@polyshop/kernel';
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
  /** Transactions and answers remembered; the oldest are forgotten beyond it (bounded memory). Default 100 000. */
  maxEntries?: number;
}

interface SandboxTransaction {
  amount: Money;
  status: 'authorized' | 'captured' | 'voided' | 'declined';
  captured: Money;
  refunded: Money;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * The `sandbox` gateway: a fake card network in this process's memory that behaves like a card
 * processor's test mode. Test card numbers and tokens decide the outcome (see `sandbox-cards.ts`),
 * cards are validated as a processor would (Luhn, expiry, CVC), every operation is idempotent on its
 * key (same key and parameters → the first answer; other parameters → conflict), and latency and a
 * failure rate can be configured. Its state is lost on restart, like any test-mode account reset.
 */
export class SandboxPaymentGateway implements PaymentGateway {
  readonly name = 'sandbox';
  readonly #latencyMs: number;
  readonly #failureRate: number;
  readonly #random: () => number;
  readonly #clock: Clock;
  readonly #maxEntries: number;
  readonly #transactions = new Map<string, SandboxTransaction>();
  readonly #answers = new Map<string, { fingerprint: string; settled: Settled }>();

  constructor(options: SandboxPaymentGatewayOptions = {}) {
    this.#latencyMs = options.latencyMs ?? 0;
    this.#failureRate = options.failureRate ?? 0;
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? systemClock;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  authorize(request: GatewayAuthorizeRequest): Promise<GatewayAuthorization> {
    const { instrument, amount } = request;
    const fingerprint = [
      'authorize',
      amount.toString(),
      request.reference,
      instrument.kind === 'card' ? instrument.card.last4 : instrument.token,
    ].join('|');
    return this.#idempotent(request.idempotencyKey, fingerprint, () => {
      const { outcome, card } =
        instrument.kind === 'card'
          ? {
              outcome: SANDBOX_CARDS[instrument.card.details.number] ?? 'approved',
              card: this.#checkCard(instrument.card.details),
            }
          : this.#token(instrument.token);
      const transactionId = `sbx_ch_${randomUUID().replaceAll('-', '')}`;
      const zero = Money.zero(amount.currency);
      remember(this.#transactions, transactionId, this.#maxEntries, {
        amount,
        status: outcome === 'approved' ? 'authorized' : 'declined',
        captured: zero,
        refunded: zero,
      });
      return outcome === 'approved'
        ? { outcome, transactionId, card }
        : { outcome: 'declined', reason: outcome, transactionId, card };
    });
  }

  capture(request: GatewayCaptureRequest): Promise<void> {
    return this.#idempotent(
      request.idempotencyKey,
      ['capture', request.transactionId, request.amount.toString()].join('|'),
      () => {
        const transaction = this.#transaction(request.transactionId, 'authorized', 'captured');
        if (request.amount.greaterThan(transaction.amount))
          reject('Cannot capture more than was authorized.');
        transaction.status = 'captured';
        transaction.captured = request.amount;
      },
    );
  }

  void(request: GatewayVoidRequest): Promise<void> {
    return this.#idempotent(request.idempotencyKey, ['void', request.transactionId].join('|'), () => {
      this.#transaction(request.transactionId, 'authorized', 'voided').status = 'voided';
    });
  }

  refund(request: GatewayRefundRequest): Promise<{ refundId: string }> {
    return this.#idempotent(
      request.idempotencyKey,
      ['refund', request.transactionId, request.amount.toString()].join('|'),
      () => {
        const transaction = this.#transaction(request.transactionId, 'captured', 'refunded');
        if (transaction.refunded.add(request.amount).greaterThan(transaction.captured)) {
          reject('Cannot refund more than was captured.');
        }
        transaction.refunded = transaction.refunded.add(request.amount);
        return { refundId: `sbx_re_${randomUUID().replaceAll('-', '')}` };
      },
    );
  }

  async #idempotent<T>(key: string, fingerprint: string, work: () => T): Promise<T> {
    if (this.#latencyMs > 0) await sleep(this.#latencyMs);
    const draw = this.#failureRate > 0 ? this.#random() : 1;
    if (draw < this.#failureRate / 2) throw unavailable();
    // From here on everything is synchronous: two calls with one key cannot both run `work`.
    let answer = this.#answers.get(key);
    if (answer && answer.fingerprint !== fingerprint) {
      throw AppError.conflict(
        'PAYMENT.GATEWAY_REJECTED',
        'The gateway idempotency key was used with other parameters.',
      );
    }
    if (!answer) {
      let settled: Settled;
      try {
        settled = { ok: true, value: work() };
      } catch (error) {
        if (!(error instanceof AppError) || error.kind === 'unavailable') throw error;
        settled = { ok: false, error };
      }
      answer = { fingerprint, settled };
      remember(this.#answers, key, this.#maxEntries, answer);
    }
    if (draw < this.#failureRate) throw unavailable();
    if (!answer.settled.ok) throw answer.settled.error;
    return answer.settled.value as T;
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

  #transaction(id: string, required: SandboxTransaction['status'], action: string): SandboxTransaction {
    const transaction = this.#transactions.get(id);
    if (!transaction) reject(`No such transaction ${id}.`);
    if (transaction.status !== required) reject(`A ${transaction.status} transaction cannot be ${action}.`);
    return transaction;
  }
}

/** Map#set that forgets the oldest entry (insertion order) once the map is full. */
function remember<V>(map: Map<string, V>, key: string, max: number, value: V): void {
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
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
