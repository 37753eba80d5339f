import { capture, type Actor, type Payment } from '../domain/payment.ts';
import { transitionThroughGateway } from './gateway-transition.ts';
import type { PaymentsDeps } from './payments-deps.ts';

/**
 * Captures an authorized payment in full. Idempotent: a payment already captured (or refunded since)
 * is returned unchanged; any other state is a 409 `PAYMENT.ILLEGAL_TRANSITION`.
 */
export function capturePayment(deps: PaymentsDeps, id: string, actor: Actor): Promise<Payment> {
  return transitionThroughGateway(deps, id, actor, {
    target: 'captured',
    event: 'payment.captured',
    done: (payment) => payment.capturedAt !== undefined,
    call: (payment) =>
      deps.gateway.capture({
        idempotencyKey: `capture:${payment.id}`,
        transactionId: payment.gatewayTransactionId!,
        amount: payment.amount,
      }),
    apply: capture,
  });
}
