import { AppError, newId } from '@polyshop/kernel';
import {
  checkoutFingerprint,
  requireIdempotencyKey,
  validateCheckout,
  type CheckoutInput,
} from '../domain/checkout-request.ts';
import { isTerminal } from '../domain/checkout-saga.ts';
import { priceOrder, type Customer, type Order } from '../domain/order.ts';
import { snapshotLines } from '../domain/order-lines.ts';
import { requireRegion } from '../domain/region-pricing.ts';
import { waitFor, withDeadline, type OrdersDeps } from './orders-deps.ts';

/** A checkout as the HTTP layer hands it over. */
export interface PlaceOrderCommand {
  userId: string;
  customer: Customer;
  /** The `Idempotency-Key` header. */
  idempotencyKey: string | undefined;
  input: CheckoutInput;
}

/**
 * The order and whether its saga finished within the request (`confirmed` or `failed`) or is still
 * running (`pending`: answer 202 and let the client poll). `created` is false for a replay.
 */
export interface PlaceOrderResult {
  order: Order;
  created: boolean;
  finished: boolean;
}

/**
 * Places an order: validates the cart, snapshots prices from the catalogue, prices the order exactly
 * for the shipping region, stores it, and runs the checkout saga for at most the request timeout.
 * Bad input is refused before anything is stored, reserved or charged. The same idempotency key
 * again returns the same order (waiting for its saga like the first request), never a second one.
 */
export async function placeOrder(deps: OrdersDeps, command: PlaceOrderCommand): Promise<PlaceOrderResult> {
  const idempotencyKey = requireIdempotencyKey(command.idempotencyKey);
  const input = validateCheckout(command.input);
  const requestHash = checkoutFingerprint(input, await deps.fingerprintKey());
  const existing = await deps.repository.findByIdempotencyKey(command.userId, idempotencyKey);
  if (existing) return replay(deps, existing, requestHash);

  const region = requireRegion(deps.regions, input.shippingAddress.region, 'shippingAddress.region');
  const variants = await deps.catalog.findVariants(input.items.map((line) => line.sku));
  const totals = priceOrder(snapshotLines(input.items, variants, region), region);
  const customer = await customerOf(deps, command);
  const now = deps.clock.now();
  const lease = deps.runner.newLease();
  const { order, created } = await deps.repository.create(
    {
      id: newId(),
      userId: command.userId,
      customer,
      currency: region.currency,
      ...totals,
      shippingAddress: input.shippingAddress,
      region: region.code,
      paymentMethod: input.payment.method,
      idempotencyKey,
      requestHash,
      createdAt: now,
      updatedAt: now,
    },
    lease,
  );
  if (!created) return replay(deps, order, requestHash);

  const saga = deps.runner.drive(order, lease.owner, input.payment);
  deps.track(saga);
  const finished = await withDeadline(saga, deps.requestTimeoutMs);
  if (finished) return { order: finished, created: true, finished: isTerminal(finished.saga.state) };
  const current = (await deps.repository.findById(order.id)) ?? order;
  return { order: current, created: true, finished: false };
}

/** A retry with the same key: the same order, once its saga finished or the request time ran out. */
async function replay(deps: OrdersDeps, order: Order, requestHash: string): Promise<PlaceOrderResult> {
  if (order.requestHash !== requestHash) {
    throw AppError.conflict(
      'ORDERS.IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was used for a different order; use a new key for a new order.',
      { field: 'Idempotency-Key', details: { orderId: order.id } },
    );
  }
  const current = await waitFor(
    async () => (await deps.repository.findById(order.id)) ?? order,
    (o) => o.status !== 'pending',
    deps.requestTimeoutMs,
  );
  return { order: current, created: false, finished: current.status !== 'pending' };
}

/** The customer as the order records them: the token's email, and the name the user service knows. */
async function customerOf(deps: OrdersDeps, command: PlaceOrderCommand): Promise<Customer> {
  const customer: Customer = { ...command.customer };
  if (!deps.customers || (customer.email && customer.name)) return customer;
  try {
    const known = await deps.customers.findCustomer(command.userId);
    if (known?.name && !customer.name) customer.name = known.name;
    if (known?.email && !customer.email) customer.email = known.email;
  } catch (error) {
    // A name is a courtesy: an unreachable user service must not stop a checkout.
    deps.logger.warn(
      { err: error, userId: command.userId },
      'customer lookup failed; ordering without a name',
    );
  }
  return customer;
}
