import { AppError, type Clock, type EventEnvelope } from '@polyshop/kernel';
import type { PaymentInput } from '../domain/checkout-request.ts';
import type { SagaStep, StepFailure } from '../domain/checkout-saga.ts';
import type { Order, OrderFailure, OrderStatus } from '../domain/order.ts';
import { orderEvent } from '../domain/orders-events.ts';
import type { PaymentProcessor, PaymentSummary } from '../ports/payment-processor.ts';
import type { StockReservations } from '../ports/stock-reservations.ts';

/** What the steps run against. */
export interface StepContext {
  stock: StockReservations;
  payments: PaymentProcessor;
  clock: Clock;
  reservationTtlSeconds: number;
}

/** A step that succeeded, with what the order learned (and, for the last step, its new status and event). */
export interface StepDone {
  kind: 'done';
  paymentId?: string;
  status?: OrderStatus;
  events?: EventEnvelope[];
}

/** A step that did not succeed; see `StepFailure`. */
export interface StepFailed {
  kind: StepFailure;
  failure: OrderFailure;
}

export type StepResult = StepDone | StepFailed;

const DONE: StepDone = { kind: 'done' };

/** The idempotency key of an order's payment authorization: a retried step never charges twice. */
export function authorizationKey(orderId: string): string {
  return `order:${orderId}:authorize`;
}

/**
 * Runs one saga step for `order`. Business outcomes (out of stock, declined) come back as results;
 * errors thrown by the other services are left to the runner to classify.
 * `payment` is the instrument from the request, present only while the request's process drives it.
 */
export async function runStep(
  step: SagaStep,
  order: Order,
  context: StepContext,
  payment: PaymentInput | undefined,
): Promise<StepResult> {
  const { stock, payments, clock } = context;
  switch (step) {
    case 'reserve_stock': {
      const outcome = await stock.reserve({
        reservationId: order.id,
        items: order.items.map((item) => ({ sku: item.sku, quantity: item.quantity })),
        ttlSeconds: context.reservationTtlSeconds,
      });
      if (outcome.status === 'reserved') return DONE;
      return rejected('INVENTORY.INSUFFICIENT_STOCK', 'Not enough stock for every item.', {
        shortages: outcome.shortages,
      });
    }
    case 'authorize_payment':
      return payment ? authorize(order, payments, payment) : adoptAuthorization(order, payments);
    case 'commit_stock':
      await stock.commit(order.id);
      return DONE;
    case 'capture_payment':
      await payments.capture(requirePaymentId(order));
      return DONE;
    case 'confirm_order':
      return { kind: 'done', status: 'confirmed', events: [orderEvent('order.confirmed', order, clock)] };
    case 'void_payment':
    case 'refund_payment':
      await undoPayments(order, payments, step === 'refund_payment' ? 'order cancelled' : 'checkout failed');
      return DONE;
    case 'release_stock':
    case 'return_stock':
      await stock.giveBack(
        order.id,
        step === 'return_stock'
          ? `order ${order.orderNumber} cancelled`
          : `order ${order.orderNumber} failed`,
      );
      return DONE;
    case 'fail_order':
      // Compensation reopened after the order failed (SagaRunner): it failed once, with one event.
      if (order.status === 'failed') return { kind: 'done', status: 'failed' };
      return {
        kind: 'done',
        status: 'failed',
        events: [orderEvent('order.failed', order, clock, order.failure?.reasonCode)],
      };
    case 'cancel_order':
      return {
        kind: 'done',
        status: 'cancelled',
        events: [orderEvent('order.cancelled', order, clock, order.failure?.reasonCode)],
      };
  }
}

async function authorize(
  order: Order,
  payments: PaymentProcessor,
  payment: PaymentInput,
): Promise<StepResult> {
  const result = await payments.authorize({
    idempotencyKey: authorizationKey(order.id),
    orderId: order.id,
    amount: order.total.toDecimalString(),
    currency: order.currency,
    method: payment.method,
    region: order.region,
    ...(payment.card ? { card: payment.card } : {}),
    ...(payment.token ? { token: payment.token } : {}),
  });
  return authorizationResult(result);
}

/**
 * Resuming without the card (after a crash): the authorization may have happened before the crash.
 * If the payment service has one for this order, carry on with it; if it has none, nothing can be
 * charged any more and the checkout is undone.
 */
async function adoptAuthorization(order: Order, payments: PaymentProcessor): Promise<StepResult> {
  const found = await payments.findByOrder(order.id);
  const usable = found.find((p) => p.status !== 'failed' && p.status !== 'voided') ?? found.at(-1);
  // None, or one still `pending` (the gateway never answered): only the lost request could finish it.
  if (!usable || usable.status === 'pending') {
    return {
      kind: 'refused',
      failure: {
        reasonCode: 'ORDERS.PAYMENT_INTERRUPTED',
        message: 'The checkout was interrupted before the payment was authorized.',
      },
    };
  }
  return authorizationResult(usable);
}

function authorizationResult(payment: PaymentSummary): StepResult {
  switch (payment.status) {
    case 'authorized':
      return { kind: 'done', paymentId: payment.id };
    case 'failed':
      return rejected(payment.reasonCode ?? 'PAYMENT.DECLINED', 'The payment was declined.');
    case 'pending':
      throw AppError.unavailable('ORDERS.PAYMENT_PENDING', `Payment ${payment.id} is still being processed.`);
    default:
      // Captured, voided or refunded before this step: not an authorization the saga can use.
      return {
        kind: 'refused',
        failure: {
          reasonCode: 'ORDERS.PAYMENT_UNUSABLE',
          message: `Payment ${payment.id} is ${payment.status}.`,
        },
      };
  }
}

/**
 * Leaves no money taken for the order: voids authorizations and refunds captures, whichever payments
 * the order has (the payment id may not have been recorded before a crash).
 */
async function undoPayments(order: Order, payments: PaymentProcessor, reason: string): Promise<void> {
  for (const payment of await payments.findByOrder(order.id)) {
    switch (payment.status) {
      case 'pending':
        // Never authorized (the gateway did not answer and the request is gone): nothing was taken.
        // Should a late answer still authorize it, the driver that sent it voids it (SagaRunner).
        break;
      case 'authorized':
        await payments.void(payment.id);
        break;
      case 'captured':
      case 'partially_refunded':
        await payments.refundAll(payment.id, reason);
        break;
      case 'failed':
      case 'voided':
      case 'refunded':
        // Nothing is held or taken any more.
        break;
    }
  }
}

function requirePaymentId(order: Order): string {
  if (!order.paymentId) throw new Error(`order ${order.id} reached capture without a payment id`);
  return order.paymentId;
}

function rejected(reasonCode: string, message: string, details?: Record<string, unknown>): StepFailed {
  return { kind: 'rejected', failure: { reasonCode, message, ...(details ? { details } : {}) } };
}
