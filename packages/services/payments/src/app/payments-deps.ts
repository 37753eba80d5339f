import { setTimeout as sleep } from 'node:timers/promises';
import { isIP } from 'node:net';
import { AppError, createEvent, type Clock, type EventEnvelope, type Logger } from '@polyshop/kernel';
import type { Actor, Payment } from '../domain/payment.ts';
import type { OrderDues } from '../ports/order-dues.ts';
import type { PaymentGateway } from '../ports/payment-gateway.ts';
import type { PaymentRepository } from '../ports/payment-repository.ts';
import {
  PAYMENT_AGGREGATE,
  PAYMENTS_EVENT_SOURCE,
  type PaymentEventData,
  type PaymentEventType,
} from '../domain/payments-events.ts';

/** What the payment use cases run on. */
export interface PaymentsDeps {
  repository: PaymentRepository;
  gateway: PaymentGateway;
  clock: Clock;
  logger: Logger;
  idempotency: {
    /** How long a request holds an idempotency key before another may take over (crash recovery). */
    leaseMs: number;
    /** How long a retry waits for a concurrent request with the same key before answering 409. */
    waitMs: number;
  };
  /** Attempts per gateway call when the gateway is unavailable (same gateway key each time). */
  gatewayAttempts: number;
  /** The key of the idempotency fingerprints (`payments.fingerprint_key`, read once). */
  fingerprintKey: () => Promise<Uint8Array>;
  /**
   * What orders owe: a new payment must match its order's total, and only a pending order can be paid.
   * Absent only where no order service runs (the payment service's own tests, `PAYMENTS_ORDER_CHECK=off`).
   */
  orders?: OrderDues;
}

/** Reads a payment or throws not_found. */
export async function getPayment(deps: PaymentsDeps, id: string): Promise<Payment> {
  const payment = await deps.repository.findById(id);
  if (!payment) throw AppError.notFound('PAYMENT.NOT_FOUND', `No payment ${id}.`, { field: 'id' });
  return payment;
}

/** A payment event with the platform envelope. */
export function paymentEvent(
  deps: PaymentsDeps,
  type: PaymentEventType,
  payment: Payment,
  extra: Partial<PaymentEventData> = {},
): EventEnvelope<PaymentEventData> {
  const data: PaymentEventData = {
    paymentId: payment.id,
    orderId: payment.orderId,
    amount: payment.amount.toDecimalString(),
    currency: payment.amount.currency,
    ...extra,
  };
  return createEvent(
    PAYMENTS_EVENT_SOURCE,
    { type, aggregateType: PAYMENT_AGGREGATE, aggregateId: payment.id, data },
    deps.clock,
  );
}

/**
 * Calls the gateway, retrying while it is unavailable. Safe because every gateway call carries an
 * idempotency key: a retry after a lost answer gets the first answer, never a second charge.
 */
export async function callGateway<T>(deps: PaymentsDeps, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof AppError) || error.kind !== 'unavailable' || attempt >= deps.gatewayAttempts)
        throw error;
      deps.logger.warn({ code: error.code, attempt }, 'payment gateway unavailable; retrying');
      await sleep(25 * 2 ** (attempt - 1));
    }
  }
}

/** The actor as recorded in the audit trail; an address that is not an IP is left out. */
export function auditActor(actor: Actor): Actor {
  return actor.ip && isIP(actor.ip) ? { actor: actor.actor, ip: actor.ip } : { actor: actor.actor };
}
