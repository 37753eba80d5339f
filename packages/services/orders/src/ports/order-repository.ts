import type { EventEnvelope } from '@polyshop/kernel';
import type { SagaState } from '../domain/checkout-saga.ts';
import type { Order, OrderFailure, OrderStatus } from '../domain/order.ts';

/** An order about to be stored: everything but what the repository assigns (number, saga bookkeeping). */
export type NewOrder = Omit<Order, 'orderNumber' | 'status' | 'saga' | 'failure' | 'paymentId'>;

/**
 * The right to drive one order's saga: only the holder may record steps, until `until`. A driver
 * that stops renewing (crash, hang) loses it, and a recovery worker may claim the saga.
 */
export interface SagaLease {
  /** Unique per driver run. */
  owner: string;
  until: Date;
}

/** One saga step recorded: the state moves `from → to`, with what the step learned. */
export interface SagaTransition {
  from: SagaState;
  to: SagaState;
  /** The driver's lease; renewed to `lease.until` (cleared when `to` is terminal). */
  lease: SagaLease;
  now: Date;
  /** The order's new status, when the step changes it (confirm, fail, cancel). */
  status?: OrderStatus;
  paymentId?: string;
  /** Recorded when compensation starts. */
  failure?: OrderFailure;
  /** Recorded atomically with the step (the order events). */
  events?: readonly EventEnvelope[];
}

/** A retry scheduled after a transient failure; the lease is given up until `nextAttemptAt`. */
export interface SagaPostponement {
  owner: string;
  state: SagaState;
  attempts: number;
  nextAttemptAt: Date;
  now: Date;
}

/** A saga parked as needing attention: no more automatic retries, the lease given up. */
export interface SagaParking {
  owner: string;
  state: SagaState;
  attempts: number;
  /** The failure that made it give up. */
  failure: OrderFailure;
  now: Date;
}

/** Compensation sent back to `to` so that a recovery worker runs it again (see `OrderRepository.reopen`). */
export interface SagaReopening {
  /** The states the saga may be in; anything else is left alone. */
  from: readonly SagaState[];
  to: SagaState;
  /** When a recovery worker may drive it, unless a driver holds it (its lease then decides). */
  nextAttemptAt: Date;
  now: Date;
}

/**
 * The sagas still to finish, as the metrics show them: by saga state those a driver or the recovery
 * worker will move on, and the parked ones (`needsAttention`) apart.
 */
export interface UnfinishedSagas {
  inFlight: Partial<Record<SagaState, number>>;
  needsAttention: number;
}

/** Filters of `GET /orders`. Newest first; `after` continues a page. */
export interface OrderListQuery {
  /** Only this customer's orders (absent: everyone's). */
  userId?: string;
  /** Only the order with this number (`ORD-100042`). */
  orderNumber?: string;
  /** Only orders whose customer email is this one, case-insensitively. */
  email?: string;
  status?: OrderStatus;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
  limit: number;
  after?: OrderPosition;
}

/** A place in the newest-first listing. */
export interface OrderPosition {
  createdAt: Date;
  id: string;
}

export interface OrderPage {
  orders: Order[];
  /** Where the next page starts; absent on the last page. */
  next?: OrderPosition;
}

/** One change of an order's saga, as its timeline shows it (oldest first). */
export interface SagaStep {
  at: Date;
  /** `state`: the saga moved; `retry`: a step failed for now; `parked`: it stopped retrying; `resumed`: replayed. */
  kind: 'state' | 'retry' | 'parked' | 'resumed';
  /** The state before (absent for the first, `started`). */
  from?: SagaState;
  to: SagaState;
  attempts: number;
  /** When the retry is due (`retry` only). */
  nextAttemptAt?: Date;
  /** The failure recorded with the change, if any. */
  reasonCode?: string;
  message?: string;
}

/**
 * Where orders and their saga state live. PostgreSQL now (orders + items in one transaction,
 * exact `numeric` money); the contract suite (`test/contract/order-repository.contract.ts`) is what
 * any other adapter must pass.
 *
 * Saga writes are fenced: a step is recorded only if the order is still in the state the driver
 * read and the driver still holds the lease, so two drivers never both advance one saga.
 */
export interface OrderRepository {
  /**
   * Stores a new order (status `pending`, saga `started`, leased to `lease`) with its items and a new
   * unique order number. When the customer already has an order with this idempotency key, nothing
   * is written and that order is returned with `created: false`.
   */
  create(order: NewOrder, lease: SagaLease): Promise<{ order: Order; created: boolean }>;

  /** The order with its items, or `undefined`. */
  findById(id: string): Promise<Order | undefined>;

  /** The customer's order made with this idempotency key, or `undefined`. */
  findByIdempotencyKey(userId: string, idempotencyKey: string): Promise<Order | undefined>;

  /** Orders matching the query, newest first (by creation time, then id). */
  list(query: OrderListQuery): Promise<OrderPage>;

  /** Every change of the order's saga, oldest first (empty for an unknown order). */
  sagaSteps(id: string): Promise<SagaStep[]>;

  /**
   * Records a step: moves the saga `from → to`, renews the lease, applies the status, payment id and
   * failure given, resets the attempt count, and records `events` in the same atomic write.
   * Returns the updated order, or `undefined` (nothing written) when the order is no longer in
   * `from` or the lease belongs to someone else.
   */
  transition(id: string, transition: SagaTransition): Promise<Order | undefined>;

  /** Schedules a retry after a transient failure and gives up the lease. False when the lease was lost. */
  postpone(id: string, postponement: SagaPostponement): Promise<boolean>;

  /**
   * Parks a saga that cannot progress: attempts recorded, no next attempt (the recovery worker leaves
   * it alone), lease given up, `needsAttention` set with the failure. False when the lease was lost.
   */
  park(id: string, parking: SagaParking): Promise<boolean>;

  /** Parked sagas, longest parked first, at most `limit`. */
  listNeedingAttention(limit: number): Promise<Order[]>;

  /**
   * Takes a parked saga back for `lease`: `needsAttention` cleared, attempts reset, leased to the
   * caller who drives it. `undefined` (nothing written) when the saga is not parked.
   */
  resumeParked(id: string, lease: SagaLease, now: Date): Promise<Order | undefined>;

  /**
   * Sends a saga in one of `from` back to `to` (status, failure and lease kept, attempts reset, no
   * longer parked), due at `nextAttemptAt` unless a driver holds its lease: a late step that could not
   * be undone is not forgotten. A lease holder's next step then finds the state moved and stops. False (nothing
   * written) when the saga is in none of `from`.
   */
  reopen(id: string, reopening: SagaReopening): Promise<boolean>;

  /**
   * Claims up to `limit` unfinished sagas whose next attempt is due at `now` (their lease, if any,
   * expired), oldest due first, for `lease`. Concurrent callers never claim the same order.
   */
  claimDue(now: Date, lease: SagaLease, limit: number): Promise<Order[]>;

  /**
   * Counts the unfinished sagas by state and the parked ones. Read through the indexes of due and
   * parked sagas, so its cost follows the sagas in flight, not the orders stored (metrics read it on
   * every scrape).
   */
  countUnfinishedSagas(): Promise<UnfinishedSagas>;

  /**
   * Starts cancelling a confirmed order: saga `confirmed → cancelling`, leased to `lease`, with the
   * cancellation reason. `undefined` when the order is not (or no longer) confirmed and idle.
   */
  beginCancellation(
    id: string,
    lease: SagaLease,
    reason: OrderFailure,
    now: Date,
  ): Promise<Order | undefined>;
}
