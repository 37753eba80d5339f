import { AppError, Money, newId } from '@polyshop/kernel';
import {
  releaseRefund,
  reserveRefund,
  settleRefund,
  type Actor,
  type Payment,
  type Refund,
} from '../domain/payment.ts';
import { auditActor, callGateway, getPayment, paymentEvent, type PaymentsDeps } from './payments-deps.ts';

/** A refund request: a decimal amount in the payment's currency and why. */
export interface RefundInput {
  amount: string;
  reason: string;
}

export interface RefundOutcome {
  refund: Refund;
  payment: Payment;
}

/**
 * Refunds (part of) a captured payment. The amount is first set aside under the payment's lock —
 * refused with 409 `PAYMENT.REFUND_EXCEEDS_CAPTURED` when it does not fit in what is still
 * refundable, counting refunds in flight — so concurrent refunds can never add up to more than was
 * captured. Then the gateway refunds (idempotent on the refund id) and the refund settles with its
 * audit row and `payment.refunded` event. A gateway that refuses releases the amount; a gateway
 * that stays unavailable leaves the refund pending for `recoverPendingRefunds` (503 to the caller).
 */
export async function refundPayment(
  deps: PaymentsDeps,
  id: string,
  input: RefundInput,
  actor: Actor,
): Promise<RefundOutcome> {
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason.length < 1 || reason.length > 500) {
    throw AppError.invalidInput('PAYMENT.INVALID_REFUND_REASON', 'Give a reason of 1 to 500 characters.', {
      field: 'reason',
    });
  }
  const payment = await getPayment(deps, id);
  const amount = Money.parse(input.amount, payment.amount.currency, 'amount');
  const at = deps.clock.now();
  const refund: Refund = {
    id: newId(),
    paymentId: payment.id,
    amount,
    reason,
    status: 'pending',
    createdAt: at,
  };
  const reserved = await deps.repository.update(payment.id, (current) => ({
    payment: reserveRefund(current, amount, at),
    refund,
  }));
  return completeRefund(deps, reserved, refund, auditActor(actor));
}

/**
 * Resumes refunds left pending (a crash, a gateway outage) that are older than `olderThanMs`: each is
 * sent to the gateway again with its original key, so none is paid out twice. Resolves to how many
 * were settled or released.
 */
export async function recoverPendingRefunds(
  deps: PaymentsDeps,
  olderThanMs: number,
  limit = 100,
): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - olderThanMs);
  let resolved = 0;
  for (const refund of await deps.repository.pendingRefunds(before, limit)) {
    try {
      await completeRefund(deps, await getPayment(deps, refund.paymentId), refund, { actor: 'system' });
      resolved += 1;
    } catch (error) {
      if (!(error instanceof AppError) || error.kind === 'unavailable') {
        deps.logger.warn({ err: error, refundId: refund.id }, 'pending refund not recovered yet');
      } else {
        resolved += 1;
      }
    }
  }
  return resolved;
}

async function completeRefund(
  deps: PaymentsDeps,
  payment: Payment,
  refund: Refund,
  actor: Actor,
): Promise<RefundOutcome> {
  let refundId: string;
  try {
    ({ refundId } = await callGateway(deps, () =>
      deps.gateway.refund({
        idempotencyKey: `refund:${refund.id}`,
        transactionId: payment.gatewayTransactionId!,
        amount: refund.amount,
      }),
    ));
  } catch (error) {
    if (error instanceof AppError && error.kind !== 'unavailable' && error.kind !== 'internal') {
      const at = deps.clock.now();
      await deps.repository.update(payment.id, async (current, reader) =>
        (await reader.refund(refund.id))?.status === 'pending'
          ? {
              payment: releaseRefund(current, refund.amount, at),
              refund: { ...refund, status: 'failed', settledAt: at },
            }
          : undefined,
      );
    }
    throw error;
  }
  const at = deps.clock.now();
  let settled: Refund = { ...refund, status: 'succeeded', gatewayRefundId: refundId, settledAt: at };
  const updated = await deps.repository.update(payment.id, async (current, reader) => {
    const stored = await reader.refund(refund.id);
    if (stored?.status !== 'pending') {
      settled = stored ?? settled;
      return undefined;
    }
    const next = settleRefund(current, refund.amount, at);
    return {
      payment: next,
      refund: settled,
      audit: {
        reason: `refund of ${refund.amount.toDecimalString()} ${refund.amount.currency}: ${refund.reason}`,
        actor,
      },
      events: [
        paymentEvent(deps, 'payment.refunded', next, {
          amount: refund.amount.toDecimalString(),
          refundedTotal: next.refundedAmount.toDecimalString(),
          reason: refund.reason,
        }),
      ],
    };
  });
  return { refund: settled, payment: updated };
}
