import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, Money, newId } from '@polyshop/kernel';
import type { CardSummary } from '../domain/card.ts';
import {
  authorize,
  fail,
  newPayment,
  reasonCodeOf,
  type Actor,
  type Payment,
  type PaymentReasonCode,
} from '../domain/payment.ts';
import {
  parsePaymentRequest,
  requestFingerprint,
  validateIdempotencyKey,
  type AuthorizePaymentInput,
  type PaymentRequest,
} from '../domain/payment-request.ts';
import type { GatewayAuthorization } from '../ports/payment-gateway.ts';
import type { IdempotencyRecord, StoredResponse } from '../ports/payment-repository.ts';
import { toPaymentView, type PaymentView } from './payments-views.ts';
import { auditActor, callGateway, getPayment, paymentEvent, type PaymentsDeps } from './payments-deps.ts';

/**
 * The answer to an authorization: the payment it created (the stored response), and whether it is a replay
 * of an earlier one.
 */
export interface AuthorizationOutcome {
  body: PaymentView;
  replayed: boolean;
}

/**
 * Creates and authorizes a payment, exactly once per idempotency key:
 * 1. the request is validated (invalid input names the field) and fingerprinted;
 * 2. a pending payment is stored with the key, locked for this request — a concurrent request with
 *    the same key finds the key taken and waits for the response, then replays it;
 * 3. the gateway is asked (its own key is derived from the payment id, so a resumed request never
 *    authorizes twice);
 * 4. the payment becomes `authorized` or `failed` (a decline is a result: a payment with `reasonCode`),
 *    with its audit row, event and the key's response in one transaction.
 * The same key with another body is refused (conflict `PAYMENT.IDEMPOTENCY_KEY_REUSED`). When the gateway
 * stays unavailable the key is released and `unavailable` thrown: a retry with the same key resumes.
 * A new key pays only what its order owes (checked when the service knows an order service): the order's
 * total while it is `pending`, nothing once it is paid or over (conflicts `PAYMENT.UNKNOWN_ORDER` on
 * `orderId`, `PAYMENT.AMOUNT_MISMATCH` on `amount`); and an order with a live payment under another key
 * gets no second one (`PAYMENT.ORDER_ALREADY_PAID`). Nothing is stored for a refused request.
 */
export async function authorizePayment(
  deps: PaymentsDeps,
  input: AuthorizePaymentInput,
  idempotencyKey: string | undefined,
  actor: Actor,
): Promise<AuthorizationOutcome> {
  const key = validateIdempotencyKey(idempotencyKey);
  const now = deps.clock.now();
  const request = parsePaymentRequest(input, now);
  const requestHash = requestFingerprint(request, await deps.fingerprintKey());
  // A retry with its key is answered from the key (even once its order is paid); a new key is checked.
  if (deps.orders && !(await deps.repository.findIdempotency(key))) await checkOrderDue(deps, request);
  const who = auditActor(actor);
  const fresh = newPayment({
    id: newId(),
    orderId: request.orderId,
    amount: request.amount,
    method: request.method,
    region: request.region,
    at: now,
  });
  const created = await deps.repository.create({
    payment: fresh,
    idempotency: { key, requestHash, lockedUntil: leaseEnd(deps) },
    actor: who,
    reason: 'payment requested',
  });
  let payment = fresh;
  if ('orderPaidBy' in created) {
    throw AppError.conflict(
      'PAYMENT.ORDER_ALREADY_PAID',
      'This order already has a payment; it cannot be paid twice.',
      { field: 'orderId', details: created.orderPaidBy },
    );
  }
  if (!created.created) {
    const existing = await waitOrTakeOver(deps, created.existing, requestHash);
    if ('response' in existing) return { ...existing.response, replayed: true };
    payment = existing.payment;
  }
  const result = await askGateway(deps, payment, request, key);
  let answered: { body: PaymentView } | undefined;
  await deps.repository.update(payment.id, (current) => {
    if (current.status !== 'pending') return undefined;
    const next =
      result.outcome === 'approved'
        ? authorize(current, result, deps.clock.now())
        : fail(current, result, deps.clock.now());
    // Only the change out of `pending`, under the payment's lock, completes its key: this is the answer.
    answered = { body: toPaymentView(next) };
    return {
      payment: next,
      audit: {
        reason:
          next.status === 'authorized'
            ? `authorized by ${deps.gateway.name}`
            : `declined: ${next.reasonCode}`,
        actor: who,
      },
      events: [
        next.status === 'authorized'
          ? paymentEvent(deps, 'payment.authorized', next)
          : paymentEvent(deps, 'payment.failed', next, {
              reason: next.reasonCode!,
              reasonCode: next.reasonCode!,
            }),
      ],
      completeIdempotency: { key, response: answered },
    };
  });
  if (answered) return { ...answered, replayed: payment.id !== fresh.id };
  // A concurrent request finished first: the response it stored is the answer.
  const record = await deps.repository.findIdempotency(key);
  if (!record?.response) throw new Error(`idempotency key ${key} has no response after completion`);
  return {
    ...(record.response as StoredResponse & { body: PaymentView }),
    replayed: record.paymentId !== fresh.id,
  };
}

/**
 * Refuses a payment that is not exactly what its order owes (see `authorizePayment`): its total while
 * its checkout runs (`pending`), nothing once it is confirmed, failed or cancelled.
 */
async function checkOrderDue(deps: PaymentsDeps, request: PaymentRequest): Promise<void> {
  const due = await deps.orders!.find(request.orderId);
  if (!due) {
    throw AppError.conflict('PAYMENT.UNKNOWN_ORDER', `There is no order ${request.orderId} to pay for.`, {
      field: 'orderId',
    });
  }
  const owed = due.status === 'pending' ? Money.of(due.total, due.currency) : Money.zero(due.currency);
  if (!request.amount.equals(owed)) {
    throw AppError.conflict(
      'PAYMENT.AMOUNT_MISMATCH',
      `The ${due.status} order owes ${owed.toDecimalString()} ${owed.currency}; a payment for it must be exactly that.`,
      {
        field: request.amount.currency === owed.currency ? 'amount' : 'currency',
        details: { owed: owed.toDecimalString(), currency: owed.currency, orderStatus: due.status },
      },
    );
  }
}

type Resumed = { response: StoredResponse & { body: PaymentView } } | { payment: Payment };

/** Another request holds the key: replay its response, or take over if its lock expired or was released. */
async function waitOrTakeOver(
  deps: PaymentsDeps,
  first: IdempotencyRecord,
  requestHash: string,
): Promise<Resumed> {
  if (first.requestHash !== requestHash) {
    throw AppError.conflict(
      'PAYMENT.IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was used with a different request.',
      {
        field: 'Idempotency-Key',
      },
    );
  }
  const deadline = Date.now() + deps.idempotency.waitMs;
  let record: IdempotencyRecord | undefined = first;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    if (record?.response) return { response: record.response as StoredResponse & { body: PaymentView } };
    if (await deps.repository.lockIdempotency(first.key, deps.clock.now(), leaseEnd(deps))) {
      return { payment: await getPayment(deps, first.paymentId) };
    }
    if (Date.now() >= deadline) {
      throw AppError.conflict(
        'PAYMENT.IDEMPOTENCY_KEY_IN_USE',
        'A request with this Idempotency-Key is still in progress; retry later.',
        {
          field: 'Idempotency-Key',
        },
      );
    }
    await sleep(delay);
    record = await deps.repository.findIdempotency(first.key);
  }
}

type Verdict =
  | { outcome: 'approved'; transactionId: string; card: CardSummary }
  | { outcome: 'declined'; reasonCode: PaymentReasonCode; transactionId?: string; card?: CardSummary };

async function askGateway(
  deps: PaymentsDeps,
  payment: Payment,
  request: PaymentRequest,
  key: string,
): Promise<Verdict> {
  let answer: GatewayAuthorization;
  try {
    answer = await callGateway(deps, () =>
      deps.gateway.authorize({
        idempotencyKey: `authorize:${payment.id}`,
        amount: payment.amount,
        instrument: request.instrument,
        reference: payment.id,
      }),
    );
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.kind === 'unavailable') {
      await deps.repository.unlockIdempotency(key);
      throw error;
    }
    // The processor refused the request itself (unknown token, …): the payment fails with a reason.
    deps.logger.warn({ paymentId: payment.id, code: error.code }, 'gateway refused the authorization');
    const reasonCode: PaymentReasonCode =
      error.code === 'PAYMENT.INVALID_TOKEN' ? 'PAYMENT.INVALID_TOKEN' : 'PAYMENT.PROCESSING_ERROR';
    return { outcome: 'declined', reasonCode, ...cardOf(request) };
  }
  if (answer.outcome === 'approved') return answer;
  return {
    outcome: 'declined',
    reasonCode: reasonCodeOf(answer.reason),
    transactionId: answer.transactionId,
    ...(answer.card ? { card: answer.card } : cardOf(request)),
  };
}

function cardOf(request: PaymentRequest): { card?: CardSummary } {
  return request.instrument.kind === 'card'
    ? { card: { brand: request.instrument.card.brand, last4: request.instrument.card.last4 } }
    : {};
}

function leaseEnd(deps: PaymentsDeps): Date {
  return new Date(deps.clock.now().getTime() + deps.idempotency.leaseMs);
}
