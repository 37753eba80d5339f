import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent, systemClock, type EventEnvelope } from '@polyshop/kernel';
import type { OrderRepository } from '../../src/ports/order-repository.ts';
import { aLease, aNewOrder } from '../fixtures/order-fixtures.ts';

/** One adapter under test, and the events it recorded with its writes (read back from its outbox). */
export interface OrderRepositoryHarness {
  repository: OrderRepository;
  recordedEvents(aggregateId: string): Promise<EventEnvelope[]>;
  close(): Promise<void>;
}

const minutes = (n: number, from = new Date()) => new Date(from.getTime() + n * 60_000);

/** The behaviour every `OrderRepository` adapter must have. */
export function orderRepositoryContract(
  name: string,
  open: () => Promise<OrderRepositoryHarness>,
  options: { skip?: string | false } = {},
): void {
  describe(`OrderRepository contract on ${name}`, { skip: options.skip ?? false }, () => {
    let harness: OrderRepositoryHarness;
    let repo: OrderRepository;
    before(async () => {
      harness = await open();
      repo = harness.repository;
    });
    after(async () => {
      await harness?.close();
    });

    it('stores an order with its items, exact amounts, a unique order number, status pending and saga started', async () => {
      const input = aNewOrder();
      const lease = aLease();
      const { order, created } = await repo.create(input, lease);
      assert.equal(created, true);
      assert.equal(order.status, 'pending');
      assert.equal(order.saga.state, 'started');
      assert.equal(order.saga.attempts, 0);
      assert.equal(order.saga.nextAttemptAt?.getTime(), lease.until.getTime());
      assert.match(order.orderNumber, /^ORD-\d{6,}$/);
      assert.deepEqual(
        order.items.map((i) => [
          i.sku,
          i.quantity,
          i.unitPrice.toDecimalString(),
          i.lineTotal.toDecimalString(),
        ]),
        [
          ['SKU-A', 1, '19.99', '19.99'],
          ['SKU-B', 3, '0.10', '0.30'],
        ],
      );
      assert.deepEqual(
        [order.subtotal, order.tax, order.shipping, order.total].map((m) => m.toDecimalString()),
        ['20.29', '1.67', '5.00', '26.96'],
      );
      assert.equal(order.customer.email, 'ada@example.com');
      assert.deepEqual(order.shippingAddress, input.shippingAddress);
      const again = await repo.findById(order.id);
      assert.equal(again?.total.toDecimalString(), '26.96');
      const other = await repo.create(aNewOrder(), aLease());
      assert.notEqual(other.order.orderNumber, order.orderNumber);
    });

    it('returns the existing order for a repeated idempotency key of the same customer, even when raced', async () => {
      const key = `key-${Date.now()}`;
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          repo.create(aNewOrder({ idempotencyKey: key, userId: 'racer' }), aLease()),
        ),
      );
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.equal(new Set(results.map((r) => r.order.id)).size, 1);
      const otherCustomer = await repo.create(
        aNewOrder({ idempotencyKey: key, userId: 'someone-else' }),
        aLease(),
      );
      assert.equal(otherCustomer.created, true);
      assert.equal((await repo.findByIdempotencyKey('racer', key))?.id, results[0]!.order.id);
      assert.equal(await repo.findByIdempotencyKey('nobody', key), undefined);
    });

    it('records a step only for the lease holder and from the expected state', async () => {
      const lease = aLease();
      const { order } = await repo.create(aNewOrder(), lease);
      const now = new Date();
      const stranger = aLease();
      assert.equal(
        await repo.transition(order.id, { from: 'started', to: 'stock_reserved', lease: stranger, now }),
        undefined,
      );
      assert.equal(
        await repo.transition(order.id, { from: 'stock_reserved', to: 'payment_authorized', lease, now }),
        undefined,
      );
      const renewed = { owner: lease.owner, until: minutes(5) };
      const moved = await repo.transition(order.id, {
        from: 'started',
        to: 'stock_reserved',
        lease: renewed,
        now,
      });
      assert.equal(moved?.saga.state, 'stock_reserved');
      assert.equal(moved?.saga.nextAttemptAt?.getTime(), renewed.until.getTime());
      const authorized = await repo.transition(order.id, {
        from: 'stock_reserved',
        to: 'payment_authorized',
        lease,
        now,
        paymentId: 'pay-1',
      });
      assert.equal(authorized?.paymentId, 'pay-1');
    });

    it('finishes a saga atomically with its events, clearing the lease', async () => {
      const lease = aLease();
      const { order } = await repo.create(aNewOrder(), lease);
      let state = order;
      for (const [from, to] of [
        ['started', 'stock_reserved'],
        ['stock_reserved', 'payment_authorized'],
        ['payment_authorized', 'stock_committed'],
        ['stock_committed', 'payment_captured'],
      ] as const) {
        state = (await repo.transition(order.id, { from, to, lease, now: new Date() }))!;
      }
      const event = createEvent(
        'orders',
        {
          type: 'order.confirmed',
          aggregateType: 'order',
          aggregateId: order.id,
          data: { orderId: order.id },
        },
        systemClock,
      );
      const done = await repo.transition(order.id, {
        from: 'payment_captured',
        to: 'confirmed',
        lease,
        now: new Date(),
        status: 'confirmed',
        events: [event],
      });
      assert.equal(done?.status, 'confirmed');
      assert.equal(done?.saga.state, 'confirmed');
      assert.equal(done?.saga.nextAttemptAt, undefined);
      assert.deepEqual(
        (await harness.recordedEvents(order.id)).map((e) => [e.id, e.type]),
        [[event.id, 'order.confirmed']],
      );
      assert.equal(state.saga.state, 'payment_captured');
    });

    it('keeps the failure with the order once compensation starts', async () => {
      const lease = aLease();
      const { order } = await repo.create(aNewOrder(), lease);
      const failure = {
        reasonCode: 'INVENTORY.INSUFFICIENT_STOCK',
        message: 'short',
        details: { shortages: [{ sku: 'SKU-A', requested: 1, available: 0 }] },
      };
      const failed = await repo.transition(order.id, {
        from: 'started',
        to: 'stock_released',
        lease,
        now: new Date(),
        failure,
      });
      assert.deepEqual(failed?.failure, failure);
      const final = await repo.transition(order.id, {
        from: 'stock_released',
        to: 'failed',
        lease,
        now: new Date(),
        status: 'failed',
      });
      assert.equal(final?.status, 'failed');
      assert.equal(final?.failure?.reasonCode, 'INVENTORY.INSUFFICIENT_STOCK');
    });

    it('reopens the compensation of a failed order from the given states only, due again, status kept', async () => {
      const lease = aLease();
      const { order } = await repo.create(aNewOrder(), lease);
      await repo.transition(order.id, { from: 'started', to: 'stock_released', lease, now: new Date() });
      await repo.transition(order.id, {
        from: 'stock_released',
        to: 'failed',
        lease,
        now: new Date(),
        status: 'failed',
      });
      const now = new Date();
      const reopening = { to: 'compensating' as const, nextAttemptAt: minutes(1, now), now };
      assert.equal(await repo.reopen(order.id, { ...reopening, from: ['payment_voided'] }), false);
      assert.equal(await repo.reopen(order.id, { ...reopening, from: ['payment_voided', 'failed'] }), true);
      const stored = await repo.findById(order.id);
      assert.deepEqual([stored?.status, stored?.saga.state], ['failed', 'compensating']);
      assert.equal(stored?.saga.nextAttemptAt?.getTime(), minutes(1, now).getTime());
      const claimed = await repo.claimDue(minutes(2, now), aLease(minutes(2, now)), 100);
      assert.ok(claimed.some((o) => o.id === order.id));
    });

    it('claims only unfinished sagas that are due, never the same one twice at once', async () => {
      const past = new Date(Date.now() - 60_000);
      const due = await Promise.all(
        Array.from({ length: 4 }, () => repo.create(aNewOrder(), { owner: 'dead-driver', until: past })),
      );
      const notDue = await repo.create(aNewOrder(), aLease());
      const [a, b] = await Promise.all([
        repo.claimDue(new Date(), aLease(), 3),
        repo.claimDue(new Date(), aLease(), 3),
      ]);
      const claimed = [...a, ...b].map((o) => o.id);
      for (const { order } of due)
        assert.equal(claimed.filter((id) => id === order.id).length, 1, 'each due saga claimed exactly once');
      assert.ok(!claimed.includes(notDue.order.id));
      assert.deepEqual(
        await repo
          .claimDue(new Date(), aLease(), 10)
          .then((rows) => rows.filter((o) => due.some((d) => d.order.id === o.id))),
        [],
      );
    });

    it('postpones a saga for the lease holder only; it becomes due again at the given time', async () => {
      const lease = aLease();
      const { order } = await repo.create(aNewOrder(), lease);
      const now = new Date();
      const later = minutes(10, now);
      assert.equal(
        await repo.postpone(order.id, {
          owner: 'stranger',
          state: 'started',
          attempts: 1,
          nextAttemptAt: later,
          now,
        }),
        false,
      );
      assert.equal(
        await repo.postpone(order.id, {
          owner: lease.owner,
          state: 'started',
          attempts: 1,
          nextAttemptAt: later,
          now,
        }),
        true,
      );
      const stored = await repo.findById(order.id);
      assert.equal(stored?.saga.attempts, 1);
      assert.equal(stored?.saga.nextAttemptAt?.getTime(), later.getTime());
      assert.equal(
        (await repo.claimDue(minutes(5, now), aLease(), 100)).some((o) => o.id === order.id),
        false,
      );
      const claimer = aLease(minutes(11, now));
      const claimed = await repo.claimDue(minutes(11, now), claimer, 100);
      assert.equal(claimed.find((o) => o.id === order.id)?.saga.attempts, 1);
      // The old driver lost the saga: its writes are refused.
      assert.equal(
        await repo.transition(order.id, { from: 'started', to: 'stock_reserved', lease, now }),
        undefined,
      );
      assert.equal(
        (await repo.transition(order.id, { from: 'started', to: 'stock_reserved', lease: claimer, now }))
          ?.saga.attempts,
        0,
      );
    });

    it('counts unfinished sagas by state and parked ones apart; a finished saga leaves the count', async () => {
      const census = () => repo.countUnfinishedSagas();
      const before = await census();
      const lease = aLease();
      const { order } = await repo.create(aNewOrder(), lease);
      const parkedLease = aLease();
      const parked = await repo.create(aNewOrder(), parkedLease);
      const failure = { reasonCode: 'PAYMENT.GATEWAY_REJECTED', message: 'No such transaction.' };
      const now = new Date();
      assert.ok(
        await repo.park(parked.order.id, {
          owner: parkedLease.owner,
          state: 'started',
          attempts: 3,
          failure,
          now,
        }),
      );
      await repo.transition(order.id, { from: 'started', to: 'stock_reserved', lease, now });
      const during = await census();
      assert.equal((during.inFlight.stock_reserved ?? 0) - (before.inFlight.stock_reserved ?? 0), 1);
      assert.equal(during.inFlight.started ?? 0, before.inFlight.started ?? 0, 'the parked saga is apart');
      assert.equal(during.needsAttention - before.needsAttention, 1);
      await repo.transition(order.id, {
        from: 'stock_reserved',
        to: 'failed',
        lease,
        now,
        status: 'failed',
      });
      assert.equal((await census()).inFlight.stock_reserved ?? 0, before.inFlight.stock_reserved ?? 0);
    });

    it('parks a saga for the lease holder only: never claimed, listed until resumed once, then driven by the resumer', async () => {
      const lease = aLease();
      const { order } = await repo.create(aNewOrder(), lease);
      const now = new Date();
      const failure = { reasonCode: 'PAYMENT.GATEWAY_REJECTED', message: 'No such transaction.' };
      const parking = { owner: lease.owner, state: 'started' as const, attempts: 7, failure, now };
      assert.equal(await repo.park(order.id, { ...parking, owner: 'stranger' }), false);
      assert.equal(await repo.park(order.id, parking), true);
      const parked = await repo.findById(order.id);
      assert.equal(parked?.saga.attempts, 7);
      assert.equal(parked?.saga.nextAttemptAt, undefined);
      assert.deepEqual(parked?.saga.needsAttention, { since: now, failure });
      assert.ok((await repo.listNeedingAttention(1000)).some((o) => o.id === order.id));
      assert.equal(
        (await repo.claimDue(minutes(60 * 24 * 365, now), aLease(), 1000)).some((o) => o.id === order.id),
        false,
        'a parked saga is never due',
      );
      // The old driver's lease is gone with the parking.
      assert.equal(
        await repo.transition(order.id, { from: 'started', to: 'stock_reserved', lease, now }),
        undefined,
      );
      const resumers = [aLease(), aLease()];
      const results = await Promise.all(resumers.map((resumer) => repo.resumeParked(order.id, resumer, now)));
      assert.equal(results.filter(Boolean).length, 1, 'resumed once');
      const winner = results.findIndex(Boolean);
      assert.equal(results[winner]!.saga.needsAttention, undefined);
      assert.equal(results[winner]!.saga.attempts, 0);
      assert.equal(
        (await repo.listNeedingAttention(1000)).some((o) => o.id === order.id),
        false,
      );
      const moved = await repo.transition(order.id, {
        from: 'started',
        to: 'stock_reserved',
        lease: resumers[winner]!,
        now,
      });
      assert.equal(moved?.saga.state, 'stock_reserved', 'the resumer holds the lease');
      assert.equal(await repo.resumeParked(order.id, aLease(), now), undefined, 'no longer parked');
    });

    it('starts cancelling only a confirmed, idle order, once', async () => {
      const lease = aLease();
      const { order } = await repo.create(aNewOrder(), lease);
      const reason = { reasonCode: 'ORDERS.CANCELLED_BY_CUSTOMER' };
      assert.equal(await repo.beginCancellation(order.id, aLease(), reason, new Date()), undefined);
      let from = 'started' as const as Parameters<OrderRepository['transition']>[1]['from'];
      for (const to of [
        'stock_reserved',
        'payment_authorized',
        'stock_committed',
        'payment_captured',
      ] as const) {
        await repo.transition(order.id, { from, to, lease, now: new Date() });
        from = to;
      }
      await repo.transition(order.id, { from, to: 'confirmed', lease, now: new Date(), status: 'confirmed' });
      const [first, second] = await Promise.all([
        repo.beginCancellation(order.id, aLease(), reason, new Date()),
        repo.beginCancellation(order.id, aLease(), reason, new Date()),
      ]);
      assert.equal([first, second].filter(Boolean).length, 1);
      const started = (first ?? second)!;
      assert.equal(started.saga.state, 'cancelling');
      assert.equal(started.status, 'confirmed');
      assert.equal(started.failure?.reasonCode, 'ORDERS.CANCELLED_BY_CUSTOMER');
    });

    it('lists newest first with filters by customer, status and creation time, page by page', async () => {
      const userId = `lister-${Date.now()}`;
      const base = new Date('2030-01-01T00:00:00.000Z');
      const made = [];
      for (let i = 0; i < 5; i++) {
        const lease = aLease();
        const { order } = await repo.create(
          aNewOrder({ userId, createdAt: minutes(i, base), updatedAt: minutes(i, base) }),
          lease,
        );
        if (i % 2 === 0)
          await repo
            .transition(order.id, {
              from: 'started',
              to: 'stock_released',
              lease,
              now: base,
              failure: { reasonCode: 'X' },
            })
            .then(() =>
              repo.transition(order.id, {
                from: 'stock_released',
                to: 'failed',
                lease,
                now: base,
                status: 'failed',
              }),
            );
        made.push(order.id);
      }
      const newestFirst = [...made].reverse();
      const page1 = await repo.list({ userId, limit: 2 });
      assert.deepEqual(
        page1.orders.map((o) => o.id),
        newestFirst.slice(0, 2),
      );
      assert.ok(page1.next);
      const page2 = await repo.list({ userId, limit: 2, after: page1.next });
      const page3 = await repo.list({ userId, limit: 2, after: page2.next });
      assert.deepEqual(
        [...page2.orders, ...page3.orders].map((o) => o.id),
        newestFirst.slice(2),
      );
      assert.equal(page3.next, undefined);
      assert.deepEqual(
        (await repo.list({ userId, status: 'failed', limit: 10 })).orders.map((o) => o.id),
        [made[4], made[2], made[0]],
      );
      assert.deepEqual(
        (await repo.list({ userId, from: minutes(1, base), to: minutes(3, base), limit: 10 })).orders.map(
          (o) => o.id,
        ),
        [made[2], made[1]],
      );
      assert.equal((await repo.list({ userId, limit: 10 })).orders[0]?.items.length, 2);
      const everyone = await repo.list({ limit: 200 });
      assert.ok(everyone.orders.some((o) => o.userId !== userId));
    });
  });
}
