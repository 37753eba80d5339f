import { AppError } from '@polyshop/kernel';
import { isCancelling } from '../domain/checkout-saga.ts';
import type { Order, OrderFailure } from '../domain/order.ts';
import { waitFor, withDeadline, type OrdersDeps, type Viewer } from './orders-deps.ts';
import { getOrder } from './read-orders.ts';

export const MAX_CANCEL_REASON_LENGTH = 500;

/** The order after a cancel request, and whether the cancellation finished within the request. */
export interface CancelOrderResult {
  order: Order;
  finished: boolean;
}

/**
 * Cancels a confirmed order (its owner, or a viewer with `orders:write`): the payment is refunded
 * (voided if only authorized), the stock goes back on the shelf, the order becomes `cancelled` and
 * `order.cancelled` is emitted — a saga like checkout, resumed by the recovery worker after a crash.
 * Cancelling a cancelled order returns it unchanged. A pending order (checkout still running) and a
 * failed one cannot be cancelled (409).
 */
export async function cancelOrder(
  deps: OrdersDeps,
  input: { id: string; reason?: string | undefined },
  viewer: Viewer,
): Promise<CancelOrderResult> {
  if (
    input.reason !== undefined &&
    (typeof input.reason !== 'string' || input.reason.length > MAX_CANCEL_REASON_LENGTH)
  ) {
    throw AppError.invalidInput(
      'ORDERS.INVALID_REASON',
      `reason is at most ${MAX_CANCEL_REASON_LENGTH} characters.`,
      { field: 'reason' },
    );
  }
  // orders:write may cancel any order, so it may also see the one it cancels.
  const order = await getOrder(deps, input.id, {
    ...viewer,
    canReadAll: viewer.canReadAll || viewer.canWriteAll,
  });
  if (order.userId !== viewer.userId && !viewer.canWriteAll) {
    throw AppError.forbidden('ORDERS.FORBIDDEN', "Cancelling another customer's order needs orders:write.", {
      field: 'id',
    });
  }
  if (order.status === 'cancelled') return { order, finished: true };
  if (order.status === 'confirmed' && isCancelling(order.saga.state)) {
    // A parked cancellation waits for an admin's replay: answer 202 at once rather than after the timeout.
    if (order.saga.needsAttention) return { order, finished: false };
    return waitForCancellation(deps, order);
  }
  if (order.status !== 'confirmed') {
    throw AppError.conflict(
      order.status === 'pending' ? 'ORDERS.CHECKOUT_IN_PROGRESS' : 'ORDERS.NOT_CANCELLABLE',
      order.status === 'pending'
        ? 'The checkout is still running; try again when the order is confirmed.'
        : `A ${order.status} order cannot be cancelled.`,
      { field: 'id', details: { status: order.status } },
    );
  }
  const reason: OrderFailure = {
    reasonCode: order.userId === viewer.userId ? 'ORDERS.CANCELLED_BY_CUSTOMER' : 'ORDERS.CANCELLED_BY_STAFF',
    ...(input.reason ? { message: input.reason } : {}),
  };
  const lease = deps.runner.newLease();
  const started = await deps.repository.beginCancellation(order.id, lease, reason, deps.clock.now());
  if (!started) return waitForCancellation(deps, order); // a concurrent cancel won the race
  const saga = deps.runner.drive(started, lease.owner);
  deps.track(saga);
  const finished = await withDeadline(saga, deps.requestTimeoutMs);
  const current = finished ?? (await deps.repository.findById(order.id)) ?? started;
  return { order: current, finished: current.status === 'cancelled' };
}

async function waitForCancellation(deps: OrdersDeps, order: Order): Promise<CancelOrderResult> {
  const current = await waitFor(
    async () => (await deps.repository.findById(order.id)) ?? order,
    (o) => o.status === 'cancelled',
    deps.requestTimeoutMs,
  );
  if (current.status === 'confirmed' && !isCancelling(current.saga.state)) {
    throw AppError.conflict(
      'ORDERS.CANCEL_CONFLICT',
      'The order changed while it was being cancelled; try again.',
      { field: 'id' },
    );
  }
  return { order: current, finished: current.status === 'cancelled' };
}
