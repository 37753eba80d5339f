import { voidPayment as voided, type Actor, type Payment } from '../domain/payment.ts';
import { transitionThroughGateway } from './gateway-transition.ts';
import type { PaymentsContext } from './payments-context.ts';

/**
 * Releases an authorized, uncaptured payment. Idempotent: a voided payment is returned unchanged;
 * any other state is a 409 `PAYMENT.ILLEGAL_TRANSITION`.
 */
export function voidPayment(context: PaymentsContext, id: string, actor: Actor): Promise<Payment> {
  return transitionThroughGateway(context, id, actor, {
    target: 'voided',
    event: 'payment.voided',
    done: (payment) => payment.status === 'voided',
    call: (payment) =>
      context.gateway.void({
        idempotencyKey: `void:${payment.id}`,
        transactionId: payment.gatewayTransactionId!,
      }),
    apply: voided,
  });
}
