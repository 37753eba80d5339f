import type { EventEnvelope } from '@polyshop/kernel';
import type { Actor, AuditEntry, Payment, Refund } from '../domain/payment.ts';
import type { PaymentStatus } from '../domain/payment-status.ts';
import type { RevenueQuery, RevenueRow } from '../domain/revenue.ts';

/**
 * The answer first given to a request with an idempotency key, replayed to every retry: the payment the
 * request created (an authorization always creates one, approved or declined).
 */
export interface StoredResponse {
  body: unknown;
}

/** What is remembered about an idempotency key. */
export interface IdempotencyRecord {
  key: string;
  /** Fingerprint of the request first sent with the key. */
  requestHash: string;
  /** The payment the key created. */
  paymentId: string;
  /** Set once the first request finished. */
  response?: StoredResponse;
  /** While in the future, a request is working on the key and others wait; unset or past: free to resume. */
  lockedUntil?: Date;
}

/** A new pending payment with its idempotency key, stored together or not at all. */
export interface NewPayment {
  payment: Payment;
  idempotency: { key: string; requestHash: string; lockedUntil: Date };
  /** Recorded as the first audit row (no old status → `pending`). */
  actor: Actor;
  reason: string;
}

/**
 * The payment was created; or the key was taken (its record); or the order already has a live payment
 * (any not `failed` or `voided`) under another key — one payment per order, checked under a lock on
 * the order so that concurrent requests with different keys cannot both pass.
 */
export type CreatePaymentResult =
  | { created: true }
  | { created: false; existing: IdempotencyRecord }
  | { created: false; orderPaidBy: { paymentId: string; status: PaymentStatus } };

/**
 * One change to a payment, written atomically: the new state, its audit row (old status → new
 * status), a new or updated refund, the events it emits, and the final response of the idempotency
 * key that asked for it.
 */
export interface PaymentChange {
  payment: Payment;
  /** Omitted only for bookkeeping that changes no status and moves no money (a refund set aside). */
  audit?: { reason: string; actor: Actor };
  refund?: Refund;
  events?: EventEnvelope[];
  completeIdempotency?: { key: string; response: StoredResponse };
}

/** Reads, inside an `update`, state that the change depends on. */
export interface PaymentReader {
  /** A refund of the payment being updated, as stored now. */
  refund(id: string): Promise<Refund | undefined>;
}

/**
 * Where payments, their audit trail, refunds and idempotency keys live. Implementations make every
 * method atomic: a change and its audit row and events are stored together or not at all, and the
 * audit trail can only grow.
 */
export interface PaymentRepository {
  /**
   * Stores a pending payment, its idempotency record (locked until `lockedUntil`) and its first audit
   * row. When the key is already taken nothing is written and the existing record is returned: two
   * concurrent calls with one key create exactly one payment.
   */
  create(input: NewPayment): Promise<CreatePaymentResult>;
  /** The record of an idempotency key, if the key was used. */
  findIdempotency(key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Takes the lock of a key that has no response yet and whose lock is unset or expired at `now`.
   * Resolves true for exactly one of several concurrent callers.
   */
  lockIdempotency(key: string, now: Date, until: Date): Promise<boolean>;
  /** Releases a key's lock so that a retry resumes at once (the gateway failed transiently). */
  unlockIdempotency(key: string): Promise<void>;
  /**
   * Reads the payment, holding it against concurrent changes, asks `decide` for the change from the
   * current state and writes it in the same unit of work. `decide` returns undefined to write
   * nothing; if it throws, nothing is written and the error propagates. Resolves to the payment as it
   * is afterwards; throws not_found (`PAYMENT.NOT_FOUND`) for an unknown id.
   */
  update(
    paymentId: string,
    decide: (
      current: Payment,
      reader: PaymentReader,
    ) => PaymentChange | undefined | Promise<PaymentChange | undefined>,
  ): Promise<Payment>;
  findById(id: string): Promise<Payment | undefined>;
  /** An order's payments, oldest first. */
  findByOrder(orderId: string): Promise<Payment[]>;
  /** The payment's audit trail, oldest first. */
  auditTrail(paymentId: string): Promise<AuditEntry[]>;
  /** The payment's refunds, oldest first. */
  refunds(paymentId: string): Promise<Refund[]>;
  /** Refunds still `pending` that were created before `createdBefore` (left by a crash or an outage), oldest first. */
  pendingRefunds(createdBefore: Date, limit: number): Promise<Refund[]>;
  /**
   * Captured minus refunded per group of the query (always per currency), from captures and
   * succeeded refunds whose time falls in [start, end). Sorted by the group values.
   */
  revenue(query: RevenueQuery): Promise<RevenueRow[]>;
}
