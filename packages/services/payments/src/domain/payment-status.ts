import { AppError } from '@polyshop/kernel';

/** Every state a payment can be in; stored as the `payments.payment_status` enum. */
export const PAYMENT_STATUSES = [
  'pending',
  'authorized',
  'captured',
  'partially_refunded',
  'refunded',
  'voided',
  'failed',
] as const;

/** The lifecycle state of a payment. */
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * The state machine: `pending → authorized → captured → (partially_)refunded`, `authorized → voided`,
 * `pending → failed`. A further partial refund keeps `partially_refunded`.
 */
const TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  pending: ['authorized', 'failed'],
  authorized: ['captured', 'voided'],
  captured: ['partially_refunded', 'refunded'],
  partially_refunded: ['partially_refunded', 'refunded'],
  refunded: [],
  voided: [],
  failed: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws a conflict (`PAYMENT.ILLEGAL_TRANSITION`, HTTP 409) unless `from → to` is allowed. */
export function assertTransition(from: PaymentStatus, to: PaymentStatus): void {
  if (!canTransition(from, to)) {
    throw AppError.conflict('PAYMENT.ILLEGAL_TRANSITION', `A ${from} payment cannot become ${to}.`, {
      details: { from, to },
    });
  }
}

/** States that hold captured money (captures are never undone; refunds follow them). */
export function isCaptured(status: PaymentStatus): boolean {
  return status === 'captured' || status === 'partially_refunded' || status === 'refunded';
}
