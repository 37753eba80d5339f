import { AppError, isUuid } from '@polyshop/kernel';
import { ORDER_STATUSES, type Order, type OrderStatus } from '../domain/order.ts';
import { decodeOrderCursor, encodeOrderCursor } from '../domain/order-cursor.ts';
import type { OrdersDeps, Viewer } from './orders-deps.ts';
import type { SagaStep } from '../ports/order-repository.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

function notFound(id: string): AppError {
  return AppError.notFound('ORDERS.NOT_FOUND', `No order ${id}.`, { field: 'id' });
}

/**
 * The order, for its owner or a viewer with `orders:read`. Anyone else gets the same 404 as for an
 * unknown id, so order ids cannot be probed.
 */
export async function getOrder(
  deps: Pick<OrdersDeps, 'repository'>,
  id: string,
  viewer: Viewer,
): Promise<Order> {
  if (!isUuid(id)) throw notFound(id);
  const order = await deps.repository.findById(id.toLowerCase());
  if (!order || (order.userId !== viewer.userId && !viewer.canReadAll)) throw notFound(id);
  return order;
}

/**
 * The saga's timeline of an order, oldest change first, for staff with `orders:read` (the operator
 * console); 404 for an unknown order.
 */
export async function getSagaTimeline(
  deps: Pick<OrdersDeps, 'repository'>,
  id: string,
  viewer: Viewer,
): Promise<{ order: Order; steps: SagaStep[] }> {
  if (!viewer.canReadAll)
    throw AppError.forbidden('ORDERS.FORBIDDEN', "An order's saga timeline needs orders:read.");
  const order = await getOrder(deps, id, viewer);
  return { order, steps: await deps.repository.sagaSteps(order.id) };
}

/** `GET /orders` filters as the client sends them. */
export interface ListOrdersInput {
  status?: string;
  from?: string;
  to?: string;
  /** Only with `orders:read`: one customer's orders. */
  userId?: string;
  /** The order with this number (`ORD-100042`). */
  orderNumber?: string;
  /** Orders of the customer with this email, case-insensitively. */
  email?: string;
  limit?: number;
  cursor?: string;
}

export interface OrderList {
  orders: Order[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** The viewer's own orders (everyone's with `orders:read`), newest first, filtered and paged. */
export async function listOrders(
  deps: Pick<OrdersDeps, 'repository'>,
  input: ListOrdersInput,
  viewer: Viewer,
): Promise<OrderList> {
  if (input.status !== undefined && !ORDER_STATUSES.includes(input.status as OrderStatus)) {
    throw AppError.invalidInput('ORDERS.INVALID_STATUS', `status is one of ${ORDER_STATUSES.join(', ')}.`, {
      field: 'status',
    });
  }
  const from = parseInstant(input.from, 'from');
  const to = parseInstant(input.to, 'to');
  if (from && to && from.getTime() >= to.getTime()) {
    throw AppError.invalidInput('ORDERS.INVALID_RANGE', '`from` must be before `to`.', { field: 'from' });
  }
  const limit = input.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw AppError.invalidInput('ORDERS.INVALID_LIMIT', `limit is 1 to ${MAX_PAGE_SIZE}.`, {
      field: 'limit',
    });
  }
  if (input.userId !== undefined && !viewer.canReadAll && input.userId !== viewer.userId) {
    throw AppError.forbidden('ORDERS.FORBIDDEN', "Listing another customer's orders needs orders:read.", {
      field: 'userId',
    });
  }
  const userId = input.userId ?? (viewer.canReadAll ? undefined : viewer.userId);
  const page = await deps.repository.list({
    ...(userId !== undefined ? { userId } : {}),
    ...(input.status ? { status: input.status as OrderStatus } : {}),
    ...(input.orderNumber !== undefined ? { orderNumber: input.orderNumber.trim().toUpperCase() } : {}),
    ...(input.email !== undefined ? { email: input.email.trim() } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(input.cursor ? { after: decodeOrderCursor(input.cursor) } : {}),
    limit,
  });
  return page.next
    ? { orders: page.orders, nextCursor: encodeOrderCursor(page.next) }
    : { orders: page.orders };
}

function parseInstant(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw AppError.invalidInput('ORDERS.INVALID_DATE', `${field} must be an ISO 8601 date or date-time.`, {
      field,
    });
  }
  return date;
}
