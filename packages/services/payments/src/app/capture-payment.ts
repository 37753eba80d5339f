import { capture, type Actor, type Payment } from '../domain/payment.ts';
import { transitionThroughGateway } from './gateway-transition.ts';
import type { PaymentsContext } from './payments-context.ts';

/**
 * Captures an authorized payment in full. Idempotent: a payment already captured (or refunded since)
 * is returned unchanged; any other state is a 409 `PAYMENT.ILLEGAL_TRANSITION`.
 */
export function capturePayment(context: PaymentsContext, id: string, actor: Actor): Promise<Payment> {
  return transitionThroughGateway(context, id, actor, {
    target: 'captured',
    event: 'payment.captured',
    done: (payment) => payment.capturedAt !== undefined,
    call: (payment) =>
      context.gateway.capture({
        idempotencyKey: `capture:${payment.id}`,
        transactionId: payment.gatewayTransactionId!,
        amount: payment.amount,
      }),
    apply: capture,
  });
}
