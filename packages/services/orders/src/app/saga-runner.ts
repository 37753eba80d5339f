import { randomUUID } from 'node:crypto';
import { AppError, type Clock, type Logger } from '@polyshop/kernel';
import type { PaymentInput } from '../domain/checkout-request.ts';
import {
  canStillCompensate,
  isTerminal,
  isUndone,
  nextStep,
  onFailure,
  REOPENED_STATE,
  SAGA_STATES,
  type SagaState,
  type SagaStep,
} from '../domain/checkout-saga.ts';
import type { Order, OrderFailure } from '../domain/order.ts';
import type { OrderRepository, SagaLease } from '../ports/order-repository.ts';
import type { PaymentProcessor } from '../ports/payment-processor.ts';
import type { StockReservations } from '../ports/stock-reservations.ts';
import { checkFault, SimulatedCrash, type SagaFault } from './saga-faults.ts';
import { runStep, type StepFailed, type StepResult } from './saga-steps.ts';

/** Timing of the saga (from the service configuration). */
export interface SagaSettings {
  /** How long a driver holds a saga without recording a step before a recovery worker may take it. */
  leaseMs: number;
  /** Lifetime of the stock reservation: an abandoned checkout gives its stock back after this. */
  reservationTtlSeconds: number;
  /** Transient failures of one step before a saga that can still be undone is compensated. */
  maxAttempts: number;
  /**
   * Failed attempts of one step before a saga that can no longer be undone (capture, refund, any
   * compensation step) stops retrying and is parked as needing attention, for an admin to replay.
   */
  attentionAfterAttempts: number;
  /** Delay before the first retry; doubles per attempt up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * Quick retries of a transient failure by the driver itself before it hands the saga to the
   * recovery worker (the request's driver still has the card; the recovery worker does not).
   */
  inlineRetries?: number;
}

const INLINE_RETRY_DELAY_MS = 100;

export interface SagaRunnerDeps {
  repository: OrderRepository;
  stock: StockReservations;
  payments: PaymentProcessor;
  clock: Clock;
  logger: Logger;
  settings: SagaSettings;
  /** Crash injection for tests. */
  fault?: SagaFault;
  /** Called after a step recorded events (the service wakes its outbox relay). */
  eventsRecorded?: () => void;
  /** Called after each attempt of a step: its outcome (`done`, or the failure's kind) and duration (metrics). */
  stepObserved?: (step: SagaStep, outcome: StepResult['kind'], seconds: number) => void;
}

/**
 * Drives checkout sagas (see `domain/checkout-saga.ts` for the states and the reasoning). Each step's
 * result is persisted before the next starts, fenced by the driver's lease; a transient failure
 * schedules a retry for the recovery worker and stops this driver.
 */
export class SagaRunner {
  readonly #deps: SagaRunnerDeps;

  constructor(deps: SagaRunnerDeps) {
    this.#deps = deps;
  }

  /** A fresh lease for a new driver, valid for `leaseMs` from now. */
  newLease(): SagaLease {
    return { owner: randomUUID(), until: this.#leaseUntil() };
  }

  /**
   * Runs the saga of `order` (leased to `owner`) until it finishes, is postponed after a transient
   * failure, or another driver takes it over. Resolves to the order as it then is. A `SimulatedCrash`
   * propagates: the saga stays where the crash left it.
   */
  async drive(order: Order, owner: string, payment?: PaymentInput): Promise<Order> {
    let current = order;
    while (!isTerminal(current.saga.state)) {
      const plan = nextStep(current.saga.state)!;
      const result = await this.#attempt(plan.step, current, payment);
      let next: Order | undefined;
      if (result.kind === 'done') {
        checkFault(this.#deps.fault, plan.step, 'before_save');
        next = await this.#record(current, owner, plan.next, {
          ...(result.paymentId ? { paymentId: result.paymentId } : {}),
          ...(result.status ? { status: result.status } : {}),
          ...(result.events ? { events: result.events } : {}),
        });
        if (!next) return this.#lostLease(current, plan.step, result.paymentId);
        checkFault(this.#deps.fault, plan.step, 'after_save');
        if (result.events?.length) this.#deps.eventsRecorded?.();
      } else {
        next = await this.#fail(current, owner, result);
        if (!next) return this.#reload(current);
        if (next.saga.state === current.saga.state) return next; // postponed: the recovery worker retries
      }
      current = next;
    }
    return current;
  }

  /** Runs a step, retrying a transient failure `inlineRetries` times with a short backoff. */
  async #attempt(step: SagaStep, order: Order, payment: PaymentInput | undefined): Promise<StepResult> {
    const retries = this.#deps.settings.inlineRetries ?? 2;
    for (let attempt = 0; ; attempt++) {
      let result: StepResult;
      const start = performance.now();
      try {
        result = await runStep(step, order, this.#stepContext(), payment);
      } catch (error) {
        if (error instanceof SimulatedCrash) throw error;
        result = this.#classify(error, step, order);
      }
      this.#deps.stepObserved?.(step, result.kind, (performance.now() - start) / 1000);
      if (result.kind !== 'transient' || attempt >= retries) return result;
      await new Promise((resolve) => setTimeout(resolve, INLINE_RETRY_DELAY_MS * 2 ** attempt));
    }
  }

  async #fail(order: Order, owner: string, result: StepFailed): Promise<Order | undefined> {
    const state = order.saga.state;
    let target = onFailure(state, result.kind);
    const attempts = order.saga.attempts + 1;
    let failure = result.failure;
    if (
      target === 'retry' &&
      result.kind === 'transient' &&
      attempts >= this.#deps.settings.maxAttempts &&
      canStillCompensate(state)
    ) {
      target = onFailure(state, 'refused');
      failure = {
        reasonCode: 'ORDERS.SAGA_TIMEOUT',
        message: `Gave up after ${attempts} attempts: ${failure.message ?? failure.reasonCode}`,
      };
    }
    if (
      target === 'retry' &&
      attempts >= this.#deps.settings.attentionAfterAttempts &&
      !canStillCompensate(state)
    ) {
      return this.#park(order, owner, attempts, failure);
    }
    if (target === 'retry') {
      const { retryBaseMs, retryMaxMs } = this.#deps.settings;
      const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(attempts - 1, 30));
      const now = this.#deps.clock.now();
      const nextAttemptAt = new Date(now.getTime() + delay);
      this.#deps.logger.warn(
        { orderId: order.id, state, attempts, reasonCode: failure.reasonCode, nextAttemptAt },
        'saga step failed; will retry',
      );
      const kept = await this.#deps.repository.postpone(order.id, {
        owner,
        state,
        attempts,
        nextAttemptAt,
        now,
      });
      return kept ? { ...order, saga: { state, attempts, nextAttemptAt } } : undefined;
    }
    this.#deps.logger.info(
      { orderId: order.id, state, reasonCode: failure.reasonCode },
      'checkout failed; compensating',
    );
    return this.#record(order, owner, target, { failure });
  }

  /**
   * Stops retrying a saga that cannot progress: it is parked (no next attempt, lease given up) with the
   * failure, listed for admins until one replays it. A saga that can still be undone never gets here:
   * it is compensated after `maxAttempts`.
   */
  async #park(
    order: Order,
    owner: string,
    attempts: number,
    failure: OrderFailure,
  ): Promise<Order | undefined> {
    const state = order.saga.state;
    const now = this.#deps.clock.now();
    this.#deps.logger.error(
      { orderId: order.id, state, attempts, reasonCode: failure.reasonCode },
      'saga cannot progress; parked as needing attention',
    );
    const parked = await this.#deps.repository.park(order.id, { owner, state, attempts, failure, now });
    if (!parked) return undefined;
    return { ...order, saga: { state, attempts, needsAttention: { since: now, failure } } };
  }

  #record(
    order: Order,
    owner: string,
    to: SagaState,
    changes: Partial<Parameters<OrderRepository['transition']>[1]>,
  ) {
    const now = this.#deps.clock.now();
    return this.#deps.repository.transition(order.id, {
      from: order.saga.state,
      to,
      lease: { owner, until: this.#leaseUntil() },
      now,
      ...changes,
    });
  }

  /**
   * Unknown errors and `unavailable`/`internal`/`rate_limited` AppErrors are transient; any other
   * AppError (a conflict such as an expired reservation, invalid input) is a refusal that undoes the
   * checkout, keeping the field at fault for the client.
   */
  #classify(error: unknown, step: SagaStep, order: Order): StepFailed {
    if (error instanceof AppError && !['unavailable', 'internal', 'rate_limited'].includes(error.kind)) {
      const failure: OrderFailure = { reasonCode: error.code, message: error.message };
      if (error.field) failure.details = { field: error.field, kind: error.kind };
      return { kind: 'refused', failure };
    }
    this.#deps.logger.warn({ err: error, orderId: order.id, step }, 'saga step hit a transient error');
    const reasonCode = error instanceof AppError ? error.code : 'ORDERS.STEP_ERROR';
    return {
      kind: 'transient',
      failure: { reasonCode, message: error instanceof Error ? error.message : String(error) },
    };
  }

  /**
   * Another driver took the saga over while this one was in a remote call. If the saga has been
   * undone meanwhile, what this driver just did would be left behind: undo it (a late reservation
   * or authorization must not outlive a failed order). Should that fail, the compensation is
   * reopened so that a recovery worker redoes it.
   */
  async #lostLease(order: Order, step: SagaStep, paymentId: string | undefined): Promise<Order> {
    const now = await this.#reload(order);
    if (!isUndone(now.saga.state)) return now;
    let undo: (() => Promise<unknown>) | undefined;
    if (step === 'reserve_stock')
      undo = () => this.#deps.stock.giveBack(order.id, 'late reservation of a failed order');
    if (step === 'authorize_payment' && paymentId) undo = () => this.#deps.payments.void(paymentId);
    if (!undo) return now;
    try {
      checkFault(this.#deps.fault, step, 'late_undo');
      await undo();
      return now;
    } catch (error) {
      return this.#reopen(now, step, error);
    }
  }

  /** Sends an undone saga back to compensation, due for the recovery worker after the first retry delay. */
  async #reopen(order: Order, step: SagaStep, error: unknown): Promise<Order> {
    const now = this.#deps.clock.now();
    const nextAttemptAt = new Date(now.getTime() + this.#deps.settings.retryBaseMs);
    this.#deps.logger.warn(
      { err: error, orderId: order.id, step, state: order.saga.state, nextAttemptAt },
      'undoing a late saga step failed; compensation reopened for the recovery worker',
    );
    const reopened = await this.#deps.repository.reopen(order.id, {
      // Already back at the start of compensation: its next run undoes the late step too.
      from: [...SAGA_STATES.filter(isUndone), REOPENED_STATE],
      to: REOPENED_STATE,
      nextAttemptAt,
      now,
    });
    if (!reopened)
      this.#deps.logger.error(
        { orderId: order.id, step },
        'a late saga step is left undone: the saga left compensation',
      );
    return this.#reload(order);
  }

  async #reload(order: Order): Promise<Order> {
    return (await this.#deps.repository.findById(order.id)) ?? order;
  }

  #stepContext() {
    const { stock, payments, clock, settings } = this.#deps;
    return { stock, payments, clock, reservationTtlSeconds: settings.reservationTtlSeconds };
  }

  #leaseUntil(): Date {
    return new Date(this.#deps.clock.now().getTime() + this.#deps.settings.leaseMs);
  }
}
