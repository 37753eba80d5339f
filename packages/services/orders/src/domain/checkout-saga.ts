/**
 * The checkout saga as a pure state machine: which step comes next, and where a failure leads.
 * The runner (`app/saga-runner.ts`) executes the steps and persists the state after each one.
 *
 * Forward path (one state per completed step):
 *
 *   started → reserve_stock → stock_reserved → authorize_payment → payment_authorized
 *           → commit_stock → stock_committed → capture_payment → payment_captured
 *           → confirm_order → confirmed            (status confirmed + `order.confirmed`, one transaction)
 *
 * Compensation (reverse order), then cancellation of a confirmed order:
 *
 *   compensating → void_payment → payment_voided → release_stock → stock_released → fail_order → failed
 *   cancelling → refund_payment → payment_refunded → return_stock → stock_returned
 *           → cancel_order → cancelled
 *
 * Why this order, against the invariants:
 * - *Never a confirmed order without stock decremented*: stock is committed before the order can be
 *   confirmed, and a commit refused (reservation expired) sends the saga backwards.
 * - *Never a charge without a confirmed order*: capture is the last remote step, and only after the
 *   stock is committed. From `stock_committed` on the saga never goes backwards on a transient error:
 *   it retries the capture (idempotent) until it succeeds, and from `payment_captured` only the local
 *   confirm remains, so a captured payment always ends with a confirmed order. Only a capture the
 *   payment service refuses for good (authorization gone) compensates, and then `release_stock`
 *   returns the committed stock too.
 * - *Never oversell*: stock is held by an all-or-nothing reservation (id = order id) with a TTL, so a
 *   saga abandoned before commit gives its stock back even if no one compensates it.
 * - *Every step safe to repeat*: a crash between a remote call and the state write re-runs the step:
 *   reservation id = order id, payment idempotency key = `order:<id>:authorize`, and commit, capture,
 *   void, release and refund are idempotent in their services. A crash mid-way leaves the state at the
 *   last completed step; the recovery worker re-runs the next step (forward) or the compensation.
 * - Card data lives only in memory for the request. A saga resumed after a crash before the
 *   authorization was recorded asks the payment service whether one exists for the order; if not,
 *   it cannot charge and compensates (`ORDERS.PAYMENT_INTERRUPTED`).
 */

export const SAGA_STATES = [
  'started',
  'stock_reserved',
  'payment_authorized',
  'stock_committed',
  'payment_captured',
  'confirmed',
  'compensating',
  'payment_voided',
  'stock_released',
  'failed',
  'cancelling',
  'payment_refunded',
  'stock_returned',
  'cancelled',
] as const;
/** Where a checkout (or cancellation) stands: the last step that completed. */
export type SagaState = (typeof SAGA_STATES)[number];

export const SAGA_STEPS = [
  'reserve_stock',
  'authorize_payment',
  'commit_stock',
  'capture_payment',
  'confirm_order',
  'void_payment',
  'release_stock',
  'fail_order',
  'refund_payment',
  'return_stock',
  'cancel_order',
] as const;
/** One idempotent action of the saga. */
export type SagaStep = (typeof SAGA_STEPS)[number];

export const TERMINAL_STATES: readonly SagaState[] = ['confirmed', 'failed', 'cancelled'];

const PLAN: Partial<Record<SagaState, { step: SagaStep; next: SagaState }>> = {
  started: { step: 'reserve_stock', next: 'stock_reserved' },
  stock_reserved: { step: 'authorize_payment', next: 'payment_authorized' },
  payment_authorized: { step: 'commit_stock', next: 'stock_committed' },
  stock_committed: { step: 'capture_payment', next: 'payment_captured' },
  payment_captured: { step: 'confirm_order', next: 'confirmed' },
  compensating: { step: 'void_payment', next: 'payment_voided' },
  payment_voided: { step: 'release_stock', next: 'stock_released' },
  stock_released: { step: 'fail_order', next: 'failed' },
  cancelling: { step: 'refund_payment', next: 'payment_refunded' },
  payment_refunded: { step: 'return_stock', next: 'stock_returned' },
  stock_returned: { step: 'cancel_order', next: 'cancelled' },
};

export function isTerminal(state: SagaState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** The step to run from `state`, and the state it leads to; `undefined` for a finished saga. */
export function nextStep(state: SagaState): { step: SagaStep; next: SagaState } | undefined {
  return PLAN[state];
}

/** The state whose next step is `step`. */
export function stateBefore(step: SagaStep): SagaState {
  const entry = Object.entries(PLAN).find(([, plan]) => plan.step === step);
  return entry![0] as SagaState;
}

/**
 * How a step ended without succeeding:
 * - `rejected`: the other service answered with a business outcome and holds nothing for the order
 *   (out of stock; payment declined);
 * - `refused`: a permanent error (reservation expired, authorization gone, retries exhausted) — the
 *   other side may hold something, so everything is undone;
 * - `transient`: worth retrying the same step later.
 */
export type StepFailure = 'rejected' | 'refused' | 'transient';

/**
 * Where the saga goes when the step from `state` fails. Forward steps before capture compensate
 * (skipping undo steps a rejection proves unnecessary); transient errors retry; compensation and
 * cancellation never turn back: they retry until done. From `stock_committed` only a refusal
 * compensates; from `payment_captured` (money taken) the saga only goes forward.
 */
export function onFailure(state: SagaState, failure: StepFailure): SagaState | 'retry' {
  if (failure === 'transient') return 'retry';
  switch (state) {
    case 'started':
      // Out of stock: the all-or-nothing reservation holds nothing, and no payment was attempted.
      return failure === 'rejected' ? 'stock_released' : 'compensating';
    case 'stock_reserved':
      // Declined: no authorization to void, but the reservation must be released.
      return failure === 'rejected' ? 'payment_voided' : 'compensating';
    case 'payment_authorized':
    case 'stock_committed':
      return 'compensating';
    default:
      return 'retry';
  }
}

/** True while the saga may still end either way (the recovery worker may give up and compensate). */
export function canStillCompensate(state: SagaState): boolean {
  return state === 'started' || state === 'stock_reserved' || state === 'payment_authorized';
}

/** True once compensation has undone the order's payment (or is past that): a late step must be undone. */
export function isUndone(state: SagaState): boolean {
  return state === 'payment_voided' || state === 'stock_released' || state === 'failed';
}

/**
 * Where a saga is sent back to when something a driver did late (after losing its lease to a saga
 * that was undone meanwhile) could not be undone on the spot: the start of compensation. Its steps
 * undo whatever the order still holds and are safe to repeat, so a recovery worker redoes the undo
 * (see `SagaRunner`); `fail_order` records no second `order.failed` for an order already failed.
 */
export const REOPENED_STATE: SagaState = 'compensating';

/** True for states of the cancellation path. */
export function isCancelling(state: SagaState): boolean {
  return state === 'cancelling' || state === 'payment_refunded' || state === 'stock_returned';
}
