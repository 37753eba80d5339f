import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@polyshop/kernel';
import { userWithPermissions, type TestPlatform } from '@polyshop/platform/testing';
import { eventually, postgresTargets } from '@polyshop/testing';
import type { OrderEventData } from '../../src/index.ts';
import {
  aCustomer,
  CARDS,
  checkoutBody,
  checkoutPlatform,
  paymentsOf,
  seedSkus,
  stockOf,
  US_ADDRESS,
} from '../fixtures/checkout-platform.ts';

for (const target of postgresTargets()) {
  describe(`orders over HTTP on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let customer: { userId: string; email: string; token: string };
    const events: EventEnvelope<OrderEventData>[] = [];
    const sku = (name: string) => `${name}-${target.name}`;

    const call = (
      method: 'GET' | 'POST',
      url: string,
      options: { body?: object; token?: string; key?: string | null } = {},
    ) =>
      platform.app.inject({
        method,
        url,
        ...(options.body ? { payload: options.body } : {}),
        headers: {
          ...(options.token !== undefined
            ? { authorization: `Bearer ${options.token}` }
            : { authorization: `Bearer ${customer.token}` }),
          ...(options.key === null ? {} : { 'idempotency-key': options.key ?? randomUUID() }),
        },
      });
    const expectProblem = (
      response: Awaited<ReturnType<typeof call>>,
      status: number,
      code: string,
      field?: string,
    ) => {
      assert.equal(response.statusCode, status, response.body);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      const problem = response.json();
      assert.equal(problem.code, code, response.body);
      if (field !== undefined) assert.equal(problem.field, field, response.body);
    };

    before(async () => {
      platform = await checkoutPlatform(target.name);
      await platform.bus.subscribe({
        consumer: 'test.orders',
        types: ['order.confirmed', 'order.failed', 'order.cancelled'],
        handler: async (event) => void events.push(event as EventEnvelope<OrderEventData>),
      });
      customer = await aCustomer(platform);
      await seedSkus(
        platform,
        [
          { sku: sku('ALPHA'), price: '19.99', quantity: 10 },
          { sku: sku('BETA'), price: '0.10', quantity: 100 },
        ],
        { name: 'Gadget' },
      );
      await seedSkus(platform, [{ sku: sku('DRAFT'), price: '5.00', quantity: 10 }], { status: 'draft' });
      await seedSkus(platform, [{ sku: sku('EURO'), price: '5.00', quantity: 10 }], { currency: 'EUR' });
    });
    after(() => platform?.dispose());

    it('confirms an order with exact totals as decimal strings, commits the stock, captures the payment, emits order.confirmed', async () => {
      const response = await call('POST', '/orders', {
        body: checkoutBody([
          { sku: sku('ALPHA'), quantity: 1 },
          { sku: sku('BETA'), quantity: 3 },
        ]),
      });
      assert.equal(response.statusCode, 201, response.body);
      const order = response.json();
      assert.equal(order.status, 'confirmed');
      assert.equal(response.headers.location, `/orders/${order.id}`);
      assert.deepEqual(
        order.items.map((i: { sku: string; quantity: number; unitPrice: string; lineTotal: string }) => [
          i.sku,
          i.quantity,
          i.unitPrice,
          i.lineTotal,
        ]),
        [
          [sku('ALPHA'), 1, '19.99', '19.99'],
          [sku('BETA'), 3, '0.10', '0.30'],
        ],
      );
      assert.deepEqual(
        [order.subtotal, order.tax, order.shipping, order.total, order.currency],
        ['20.29', '1.67', '5.00', '26.96', 'USD'],
      );
      assert.match(order.orderNumber, /^ORD-\d+$/);
      assert.equal(order.customer.email, customer.email);
      assert.deepEqual(await stockOf(platform, sku('ALPHA')), { quantity: 9, reserved: 0, available: 9 });
      const paymentsMade = await paymentsOf(platform).findByOrder(order.id);
      assert.deepEqual(
        paymentsMade.map((p) => [p.status, p.amount, p.currency]),
        [['captured', '26.96', 'USD']],
      );
      const confirmed = await waitForEvent(events, 'order.confirmed', order.id);
      assert.deepEqual(confirmed.data, {
        orderId: order.id,
        orderNumber: order.orderNumber,
        userId: customer.userId,
        customer: { email: customer.email, name: confirmed.data.customer.name },
        currency: 'USD',
        subtotal: '20.29',
        tax: '1.67',
        shipping: '5.00',
        total: '26.96',
        items: [
          { sku: sku('ALPHA'), name: 'Gadget', quantity: 1, unitPrice: '19.99', lineTotal: '19.99' },
          { sku: sku('BETA'), name: 'Gadget', quantity: 3, unitPrice: '0.10', lineTotal: '0.30' },
        ],
      });
      assert.match(confirmed.data.customer.name ?? '', /^Test user /, 'the name the user service knows');
      assert.equal(confirmed.source, 'orders');
      assert.equal(confirmed.aggregateType, 'order');
    });

    it('returns the same order for the same Idempotency-Key, never a second one; another body with it is a 409', async () => {
      const key = randomUUID();
      const body = checkoutBody([{ sku: sku('BETA'), quantity: 2 }]);
      const first = await call('POST', '/orders', { body, key });
      const second = await call('POST', '/orders', { body, key });
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(second.statusCode, 201, second.body);
      assert.equal(second.json().id, first.json().id);
      assert.equal(second.headers['idempotent-replayed'], 'true');
      assert.equal((await paymentsOf(platform).findByOrder(first.json().id)).length, 1);
      expectProblem(
        await call('POST', '/orders', { body: checkoutBody([{ sku: sku('BETA'), quantity: 5 }]), key }),
        409,
        'ORDERS.IDEMPOTENCY_KEY_REUSED',
        'Idempotency-Key',
      );
      // Only the card number changed (issue 15): another request, not a replay of the first order.
      const otherCard = { ...CARDS.ok, number: '5555555555554444' };
      expectProblem(
        await call('POST', '/orders', {
          body: checkoutBody([{ sku: sku('BETA'), quantity: 2 }], otherCard),
          key,
        }),
        409,
        'ORDERS.IDEMPOTENCY_KEY_REUSED',
        'Idempotency-Key',
      );
      expectProblem(
        await call('POST', '/orders', { body, key: null }),
        428,
        'ORDERS.IDEMPOTENCY_KEY_REQUIRED',
        'Idempotency-Key',
      );
    });

    it('creates one order for racing requests with the same Idempotency-Key', async () => {
      const key = randomUUID();
      const body = checkoutBody([{ sku: sku('BETA'), quantity: 1 }]);
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => call('POST', '/orders', { body, key })),
      );
      assert.deepEqual(
        [...new Set(responses.map((r) => r.statusCode))],
        [201],
        responses.map((r) => r.body).join('\n'),
      );
      const ids = new Set(responses.map((r) => r.json().id));
      assert.equal(ids.size, 1);
      assert.deepEqual(
        responses.map((r) => r.json().status),
        Array(5).fill('confirmed'),
      );
      assert.equal(responses.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 4);
      assert.deepEqual(
        (await paymentsOf(platform).findByOrder([...ids][0])).map((p) => p.status),
        ['captured'],
      );
    });

    it('fails an order it cannot fill with INVENTORY.INSUFFICIENT_STOCK, holding and charging nothing', async () => {
      const before = await stockOf(platform, sku('ALPHA'));
      const response = await call('POST', '/orders', {
        body: checkoutBody([{ sku: sku('ALPHA'), quantity: 50 }]),
      });
      assert.equal(response.statusCode, 201, response.body);
      const order = response.json();
      assert.equal(order.status, 'failed');
      assert.equal(order.reasonCode, 'INVENTORY.INSUFFICIENT_STOCK');
      assert.deepEqual(order.failure.details.shortages, [
        { sku: sku('ALPHA'), requested: 50, available: before.available },
      ]);
      assert.deepEqual(await stockOf(platform, sku('ALPHA')), before);
      assert.deepEqual(await paymentsOf(platform).findByOrder(order.id), []);
    });

    it('fails a declined card with PAYMENT.DECLINED and releases the stock', async () => {
      const before = await stockOf(platform, sku('ALPHA'));
      const response = await call('POST', '/orders', {
        body: checkoutBody([{ sku: sku('ALPHA'), quantity: 2 }], CARDS.declined),
      });
      assert.equal(response.statusCode, 201, response.body);
      const order = response.json();
      assert.deepEqual([order.status, order.reasonCode], ['failed', 'PAYMENT.DECLINED']);
      assert.deepEqual(await stockOf(platform, sku('ALPHA')), before);
      assert.deepEqual(
        (await paymentsOf(platform).findByOrder(order.id)).map((p) => p.status),
        ['failed'],
      );
      const failed = await waitForEvent(events, 'order.failed', order.id);
      assert.equal(failed.data.reasonCode, 'PAYMENT.DECLINED');
    });

    it('refuses bad input with problem+json naming the field, before reserving or charging anything', async () => {
      const stockBefore = await stockOf(platform, sku('ALPHA'));
      const ordersBefore = (await call('GET', '/orders?limit=200')).json().items.length;
      const item = (quantity: unknown, s = sku('ALPHA')) =>
        checkoutBody([{ sku: s, quantity } as { sku: string; quantity: number }]);
      expectProblem(
        await call('POST', '/orders', { body: checkoutBody([]) }),
        400,
        'ORDERS.EMPTY_CART',
        'items',
      );
      expectProblem(
        await call('POST', '/orders', { body: item(0) }),
        400,
        'ORDERS.INVALID_QUANTITY',
        'items.0.quantity',
      );
      expectProblem(
        await call('POST', '/orders', { body: item(-1) }),
        400,
        'ORDERS.INVALID_QUANTITY',
        'items.0.quantity',
      );
      expectProblem(
        await call('POST', '/orders', { body: item(1_000_000_000) }),
        400,
        'ORDERS.INVALID_QUANTITY',
        'items.0.quantity',
      );
      expectProblem(
        await call('POST', '/orders', { body: item(1.5) }),
        400,
        'REQUEST.VALIDATION',
        'items.0.quantity',
      );
      expectProblem(
        await call('POST', '/orders', { body: item(1, 'NO-SUCH-SKU') }),
        400,
        'ORDERS.UNKNOWN_SKU',
        'items.0.sku',
      );
      expectProblem(
        await call('POST', '/orders', { body: item(1, sku('DRAFT')) }),
        409,
        'ORDERS.PRODUCT_UNAVAILABLE',
        'items.0.sku',
      );
      expectProblem(
        await call('POST', '/orders', { body: item(1, sku('EURO')) }),
        409,
        'ORDERS.CURRENCY_MISMATCH',
        'items.0.sku',
      );
      expectProblem(
        await call('POST', '/orders', {
          body: checkoutBody([{ sku: sku('ALPHA'), quantity: 1 }], CARDS.ok, {
            ...US_ADDRESS,
            region: 'MARS',
          }),
        }),
        400,
        'ORDERS.UNSUPPORTED_REGION',
        'shippingAddress.region',
      );
      const priced = { ...item(1), items: [{ sku: sku('ALPHA'), quantity: 1, price: '0.01' }] };
      expectProblem(
        await call('POST', '/orders', { body: priced }),
        400,
        'REQUEST.VALIDATION',
        'items.0.price',
      );
      expectProblem(
        await call('POST', '/orders', { body: { ...item(1), payment: { method: 'card' } } }),
        400,
        'ORDERS.PAYMENT_INSTRUMENT_REQUIRED',
        'payment',
      );
      assert.deepEqual(await stockOf(platform, sku('ALPHA')), stockBefore);
      assert.equal((await call('GET', '/orders?limit=200')).json().items.length, ordersBefore);
    });

    it('refuses a card number that fails its check as a 400 on payment.card.number, leaving nothing held', async () => {
      const before = await stockOf(platform, sku('ALPHA'));
      const badCard = { ...CARDS.ok, number: '4242424242424241' };
      expectProblem(
        await call('POST', '/orders', { body: checkoutBody([{ sku: sku('ALPHA'), quantity: 1 }], badCard) }),
        400,
        'PAYMENT.INVALID_CARD_NUMBER',
        'payment.card.number',
      );
      assert.deepEqual(await stockOf(platform, sku('ALPHA')), before);
    });

    it('shows an order to its owner and to orders:read, and to nobody else', async () => {
      const order = (
        await call('POST', '/orders', { body: checkoutBody([{ sku: sku('BETA'), quantity: 1 }]) })
      ).json();
      assert.equal((await call('GET', `/orders/${order.id}`)).json().id, order.id);
      const stranger = await aCustomer(platform);
      expectProblem(
        await call('GET', `/orders/${order.id}`, { token: stranger.token }),
        404,
        'ORDERS.NOT_FOUND',
      );
      const staff = await userWithPermissions(platform, ['orders:read']);
      assert.equal((await call('GET', `/orders/${order.id}`, { token: staff.token })).statusCode, 200);
      expectProblem(await call('GET', `/orders/${order.id}`, { token: '' }), 401, 'AUTH.TOKEN_MISSING');
      expectProblem(await call('GET', '/orders/not-a-uuid'), 404, 'ORDERS.NOT_FOUND');
    });

    it('cancels a confirmed order: refunds the payment, puts the stock back, emits order.cancelled; again is a no-op', async () => {
      const before = await stockOf(platform, sku('ALPHA'));
      const order = (
        await call('POST', '/orders', { body: checkoutBody([{ sku: sku('ALPHA'), quantity: 2 }]) })
      ).json();
      assert.equal(order.status, 'confirmed');
      assert.deepEqual(await stockOf(platform, sku('ALPHA')), {
        ...before,
        quantity: before.quantity - 2,
        available: before.available - 2,
      });
      const cancelled = await call('POST', `/orders/${order.id}/cancel`, {
        body: { reason: 'changed my mind' },
      });
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      assert.deepEqual(
        [cancelled.json().status, cancelled.json().reasonCode],
        ['cancelled', 'ORDERS.CANCELLED_BY_CUSTOMER'],
      );
      assert.deepEqual(await stockOf(platform, sku('ALPHA')), before);
      assert.deepEqual(
        (await paymentsOf(platform).findByOrder(order.id)).map((p) => [p.status, p.refundedAmount]),
        [['refunded', order.total]],
      );
      const again = await call('POST', `/orders/${order.id}/cancel`);
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().status, 'cancelled');
      assert.deepEqual(await stockOf(platform, sku('ALPHA')), before);
      const event = await waitForEvent(events, 'order.cancelled', order.id);
      assert.equal(event.data.reasonCode, 'ORDERS.CANCELLED_BY_CUSTOMER');
      assert.equal(event.data.total, order.total);
    });

    it('lets only the owner or orders:write cancel, and never a failed order', async () => {
      const order = (
        await call('POST', '/orders', { body: checkoutBody([{ sku: sku('BETA'), quantity: 1 }]) })
      ).json();
      const stranger = await aCustomer(platform);
      expectProblem(
        await call('POST', `/orders/${order.id}/cancel`, { token: stranger.token }),
        404,
        'ORDERS.NOT_FOUND',
      );
      const reader = await userWithPermissions(platform, ['orders:read']);
      expectProblem(
        await call('POST', `/orders/${order.id}/cancel`, { token: reader.token }),
        403,
        'ORDERS.FORBIDDEN',
      );
      const staff = await userWithPermissions(platform, ['orders:write']);
      const cancelled = await call('POST', `/orders/${order.id}/cancel`, { token: staff.token });
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      assert.equal(cancelled.json().reasonCode, 'ORDERS.CANCELLED_BY_STAFF');
      const failed = (
        await call('POST', '/orders', {
          body: checkoutBody([{ sku: sku('ALPHA'), quantity: 1 }], CARDS.declined),
        })
      ).json();
      expectProblem(await call('POST', `/orders/${failed.id}/cancel`), 409, 'ORDERS.NOT_CANCELLABLE', 'id');
      expectProblem(
        await call('POST', `/orders/${order.id}/cancel`, { body: { reason: 'x'.repeat(501) } }),
        400,
        'REQUEST.VALIDATION',
        'reason',
      );
    });

    it('lists own orders (everyone’s with orders:read) filtered by status and time', async () => {
      const mine = (await call('GET', '/orders?limit=200')).json().items as {
        userId: string;
        status: string;
      }[];
      assert.ok(mine.length >= 4);
      assert.ok(mine.every((o) => o.userId === customer.userId));
      const failed = (await call('GET', '/orders?status=failed')).json().items as { status: string }[];
      assert.ok(failed.length >= 2 && failed.every((o) => o.status === 'failed'));
      const future = (await call('GET', `/orders?from=${encodeURIComponent('2999-01-01T00:00:00Z')}`)).json()
        .items;
      assert.deepEqual(future, []);
      const stranger = await aCustomer(platform);
      assert.deepEqual((await call('GET', '/orders', { token: stranger.token })).json().items, []);
      const staff = await userWithPermissions(platform, ['orders:read']);
      const all = (
        await call('GET', `/orders?userId=${customer.userId}&limit=200`, { token: staff.token })
      ).json().items;
      assert.equal(all.length, mine.length);
      const page = (await call('GET', '/orders?limit=2')).json();
      const next = (await call('GET', `/orders?limit=2&cursor=${page.nextCursor}`)).json();
      assert.deepEqual(
        [...page.items, ...next.items].map((o: { id: string }) => o.id),
        mine.slice(0, 4).map((o) => (o as unknown as { id: string }).id),
      );
      expectProblem(await call('GET', '/orders?status=lost'), 400, 'ORDERS.INVALID_STATUS', 'status');
      expectProblem(await call('GET', '/orders?from=yesterday'), 400, 'ORDERS.INVALID_DATE', 'from');
      expectProblem(await call('GET', '/orders?cursor=garbage'), 400, 'ORDERS.INVALID_CURSOR', 'cursor');
      expectProblem(
        await call('GET', `/orders?userId=${customer.userId}`, { token: stranger.token }),
        403,
        'ORDERS.FORBIDDEN',
        'userId',
      );
    });
  });
}

function waitForEvent(
  events: EventEnvelope<OrderEventData>[],
  type: string,
  orderId: string,
): Promise<EventEnvelope<OrderEventData>> {
  return eventually(() => events.find((e) => e.type === type && e.data.orderId === orderId), {
    message: `the ${type} event of order ${orderId}`,
  });
}
