import { AppError } from '@polyshop/kernel';
import type { Actor, Payment } from '../domain/payment.ts';
import { assertTransition, type PaymentStatus } from '../domain/payment-status.ts';
import type { PaymentEventType } from '../domain/payments-events.ts';
import { auditActor, callGateway, getPayment, paymentEvent, type PaymentsDeps } from './payments-deps.ts';

/** A status change that the gateway must perform first (capture, void). */
export interface GatewayTransition {
  target: PaymentStatus;
  event: PaymentEventType;
  /** True when the change already happened: the call then returns the payment unchanged. */
  done(payment: Payment): boolean;
  /** The gateway call, idempotent on a key derived from the payment id. */
  call(payment: Payment): Promise<void>;
  /** The domain transition. */
  apply(payment: Payment, at: Date): Payment;
}

/**
 * Runs a gateway-backed transition: idempotent when already done, 409 when the state machine forbids
 * it, the gateway first (the processor arbitrates a capture racing a void), then the new state with
 * its audit row and event in one transaction.
 */
export async function transitionThroughGateway(
  deps: PaymentsDeps,
  id: string,
  actor: Actor,
  transition: GatewayTransition,
): Promise<Payment> {
  const payment = await getPayment(deps, id);
  if (transition.done(payment)) return payment;
  assertTransition(payment.status, transition.target);
  try {
    await callGateway(deps, () => transition.call(payment));
  } catch (error) {
    if (error instanceof AppError && error.kind === 'conflict') {
      // A concurrent request changed the transaction first: answer from the state it left.
      const latest = await getPayment(deps, id);
      if (transition.done(latest)) return latest;
      assertTransition(latest.status, transition.target);
    }
    throw error;
  }
  return deps.repository.update(id, (current) => {
    if (transition.done(current)) return undefined;
    const next = transition.apply(current, deps.clock.now());
    return {
      payment: next,
      audit: { reason: `${transition.target} by ${deps.gateway.name}`, actor: auditActor(actor) },
      events: [paymentEvent(deps, transition.event, next)],
    };
  });
}
