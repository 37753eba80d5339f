import { AppError, isUuid } from '@polyshop/kernel';
import { isTerminal } from '../domain/checkout-saga.ts';
import type { Order } from '../domain/order.ts';
import { withDeadline, type OrdersDeps } from './orders-deps.ts';

/** The saga listings admins may ask for (`GET /orders/admin/sagas?state=`). */
export const SAGA_LISTINGS = ['needs_attention'] as const;
export type SagaListing = (typeof SAGA_LISTINGS)[number];

export const MAX_SAGA_LIST_LIMIT = 1000;

/** Sagas parked as needing attention (they stopped retrying), longest parked first. */
export async function listParkedSagas(
  deps: Pick<OrdersDeps, 'repository'>,
  input: { state?: string; limit?: number },
): Promise<Order[]> {
  const state = input.state ?? 'needs_attention';
  if (!SAGA_LISTINGS.includes(state as SagaListing)) {
    throw AppError.invalidInput(
      'ORDERS.INVALID_SAGA_STATE',
      `state must be one of ${SAGA_LISTINGS.join(', ')}.`,
      {
        field: 'state',
      },
    );
  }
  const limit = input.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SAGA_LIST_LIMIT) {
    throw AppError.invalidInput('ORDERS.INVALID_LIMIT', `limit is 1–${MAX_SAGA_LIST_LIMIT}.`, {
      field: 'limit',
    });
  }
  return deps.repository.listNeedingAttention(limit);
}

/** The order after a replay, and whether its saga finished within the request. */
export interface ReplayResult {
  order: Order;
  finished: boolean;
}

/**
 * Replays a parked saga (an admin, once the cause is dealt with): it is taken back from the parking
 * with a fresh lease and attempt count and driven from the step that kept failing, within the request
 * timeout (then it carries on, and the recovery worker retries it as usual). 404 for an unknown order,
 * 409 `ORDERS.SAGA_NOT_PARKED` for one that does not need attention.
 */
export async function replayParkedSaga(deps: OrdersDeps, id: string): Promise<ReplayResult> {
  const notFound = () => AppError.notFound('ORDERS.NOT_FOUND', `No order ${id}.`, { field: 'id' });
  if (!isUuid(id)) throw notFound();
  const lease = deps.runner.newLease();
  const resumed = await deps.repository.resumeParked(id.toLowerCase(), lease, deps.clock.now());
  if (!resumed) {
    const order = await deps.repository.findById(id.toLowerCase());
    if (!order) throw notFound();
    throw AppError.conflict(
      'ORDERS.SAGA_NOT_PARKED',
      'This saga does not need attention: nothing to replay.',
      {
        field: 'id',
        details: { state: order.saga.state, status: order.status },
      },
    );
  }
  deps.logger.info({ orderId: resumed.id, state: resumed.saga.state }, 'replaying a parked saga');
  const saga = deps.runner.drive(resumed, lease.owner);
  deps.track(saga);
  const driven = await withDeadline(saga, deps.requestTimeoutMs);
  const order = driven ?? (await deps.repository.findById(resumed.id)) ?? resumed;
  return { order, finished: isTerminal(order.saga.state) };
}
