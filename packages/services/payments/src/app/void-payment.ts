import { voidPayment as voided, type Actor, type Payment } from '../domain/payment.ts';
import { transitionThroughGateway } from './gateway-transition.ts';
import type { PaymentsDeps } from './payments-deps.ts';

/**
 * Releases an authorized, uncaptured payment. Idempotent: a voided payment is returned unchanged;
 * any other state is a 409 `PAYMENT.ILLEGAL_TRANSITION`.
 */
export function voidPayment(deps: PaymentsDeps, id: string, actor: Actor): Promise<Payment> {
  return transitionThroughGateway(deps, id, actor, {
    target: 'voided',
    event: 'payment.voided',
    done: (payment) => payment.status === 'voided',
    call: (payment) =>
      deps.gateway.void({
        idempotencyKey: `void:${payment.id}`,
        transactionId: payment.gatewayTransactionId!,
      }),
    apply: voided,
  });
}
