import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ManualClock } from '@polyshop/kernel';
import type { TestPlatform } from '@polyshop/platform/testing';
import { postgresTargets } from '@polyshop/testing';
import type { OrderService } from '../../src/app/order-service.ts';
import { cancelOrder } from '../../src/app/cancel-order.ts';
import { placeOrder } from '../../src/app/place-order.ts';
import { SimulatedCrash, type SagaFault } from '../../src/app/saga-faults.ts';
import type { SagaStep } from '../../src/domain/checkout-saga.ts';
import type { Order } from '../../src/domain/order.ts';
import {
  aCustomer,
  CARDS,
  checkoutBody,
  checkoutPlatform,
  inventoryOf,
  openOrderService,
  paymentsOf,
  seedSkus,
  stockOf,
} from '../fixtures/checkout-platform.ts';

const LEASE_MS = 30_000;
const STOCK = 5;
const QUANTITY = 2;

/** Where each crash leaves the checkout once recovered, for a good card. */
const FORWARD: { step: SagaStep; outcome: 'confirmed' | 'failed' }[] = [
  // The card lived only in the crashed process: nothing was authorized, so the checkout is undone.
  { step: 'reserve_stock', outcome: 'failed' },
  // The authorization exists (whether or not it was recorded): recovery carries on to the end.
  { step: 'authorize_payment', outcome: 'confirmed' },
  { step: 'commit_stock', outcome: 'confirmed' },
  { step: 'capture_payment', outcome: 'confirmed' },
  { step: 'confirm_order', outcome: 'confirmed' },
];
const PHASES = ['before_save', 'after_save'] as const;

for (const target of postgresTargets()) {
  describe(`checkout saga crash recovery on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let customer: { userId: string; email: string };
    const clock = new ManualClock(new Date());
    const services: OrderService[] = [];

    /** An order service on the platform's database and clients: the crashing process, or the restarted one. */
    async function orderService(fault?: SagaFault): Promise<OrderService> {
      const service = await openOrderService(platform, clock, {
        env: { ORDERS_SAGA_LEASE_MS: String(LEASE_MS) },
        ...(fault ? { fault } : {}),
      });
      services.push(service);
      return service;
    }

    /** Places an order through a service that crashes at `fault`; returns the order as the crash left it. */
    async function crashDuringCheckout(sku: string, fault: SagaFault, card = CARDS.ok): Promise<Order> {
      const crashing = await orderService(fault);
      const key = randomUUID();
      await assert.rejects(
        placeOrder(crashing.deps, {
          userId: customer.userId,
          customer: { email: customer.email },
          idempotencyKey: key,
          input: checkoutBody([{ sku, quantity: QUANTITY }], card) as never,
        }),
        SimulatedCrash,
      );
      const order = await crashing.deps.repository.findByIdempotencyKey(customer.userId, key);
      assert.ok(order);
      const finishedBeforeCrash =
        fault.phase === 'after_save' && (fault.step === 'confirm_order' || fault.step === 'fail_order');
      assert.equal(
        order.status === 'pending',
        !finishedBeforeCrash,
        `status ${order.status} after a crash at ${fault.step} ${fault.phase}`,
      );
      return order;
    }

    /** The restart: time moves past the dead driver's lease, and a fresh service's recovery worker runs. */
    async function recover(order: Order, fault?: SagaFault): Promise<Order> {
      clock.advance(LEASE_MS + 1_000);
      const restarted = await orderService(fault);
      await restarted.recovery.runOnce();
      return (await restarted.deps.repository.findById(order.id))!;
    }

    /** The invariants: finished, and stock and money agree with the outcome; exactly one final event. */
    async function assertSettled(order: Order, sku: string, outcome: 'confirmed' | 'failed') {
      assert.equal(order.status, outcome, JSON.stringify(order.failure));
      assert.equal(order.saga.state, outcome);
      assert.equal(order.saga.nextAttemptAt, undefined);
      const payments = await paymentsOf(platform).findByOrder(order.id);
      const taken = payments.filter((p) => ['captured', 'partially_refunded', 'refunded'].includes(p.status));
      if (outcome === 'confirmed') {
        assert.deepEqual(
          taken.map((p) => [p.status, p.amount]),
          [['captured', order.total.toDecimalString()]],
        );
        assert.deepEqual(await stockOf(platform, sku), {
          quantity: STOCK - QUANTITY,
          reserved: 0,
          available: STOCK - QUANTITY,
        });
      } else {
        assert.deepEqual(taken, [], 'no money taken for a failed order');
        assert.ok(
          payments.every((p) => p.status === 'voided' || p.status === 'failed'),
          `payments left: ${payments.map((p) => p.status).join(', ')}`,
        );
        assert.deepEqual(await stockOf(platform, sku), { quantity: STOCK, reserved: 0, available: STOCK });
      }
      const db = await platform.postgres();
      const events = await db.query<{ type: string }>(
        `SELECT type FROM orders.outbox WHERE aggregate_id = $1`,
        [order.id],
      );
      assert.deepEqual(
        events.map((e) => e.type),
        [`order.${outcome}`],
      );
    }

    /** The statuses of the order's payments, oldest first. */
    async function paymentStatuses(orderId: string): Promise<string[]> {
      return (await paymentsOf(platform).findByOrder(orderId)).map((p) => p.status);
    }

    let skuCount = 0;
    async function freshSku(): Promise<string> {
      const sku = `CRASH-${target.name}-${++skuCount}`;
      await seedSkus(platform, [{ sku, price: '12.50', quantity: STOCK }]);
      return sku;
    }

    before(async () => {
      // The late-driver tests replay a driver that authorizes after its saga was undone: the race in which
      // its order was still pending when the payment service checked what it owes. With that check on, a
      // driver this late is refused before it authorizes (order-payment-guards.test.ts), so it is off here.
      platform = await checkoutPlatform(target.name, {
        ORDERS_RECOVERY_INTERVAL_MS: '3600000',
        PAYMENTS_ORDER_CHECK: 'off',
      });
      customer = await aCustomer(platform);
    });
    after(async () => {
      for (const service of services) await service.stop(0);
      await platform?.dispose();
    });

    for (const { step, outcome } of FORWARD) {
      for (const phase of PHASES) {
        it(`a crash after ${step} (${phase}) is recovered to ${outcome}, stock and payment consistent`, async () => {
          const sku = await freshSku();
          const crashed = await crashDuringCheckout(sku, { step, phase, action: 'throw' });
          await assertSettled(await recover(crashed), sku, outcome);
        });
      }
    }

    for (const step of ['release_stock', 'fail_order'] as const) {
      for (const phase of PHASES) {
        it(`a crash while undoing a declined checkout, after ${step} (${phase}), is recovered to failed with nothing held`, async () => {
          const sku = await freshSku();
          const crashed = await crashDuringCheckout(sku, { step, phase, action: 'throw' }, CARDS.declined);
          const recovered = await recover(crashed);
          await assertSettled(recovered, sku, 'failed');
          assert.equal(recovered.failure?.reasonCode, 'PAYMENT.DECLINED');
        });
      }
    }

    for (const phase of PHASES) {
      it(`a crash after void_payment (${phase}) while compensating a lost reservation ends failed, the authorization voided`, async () => {
        const sku = await freshSku();
        const crashed = await crashDuringCheckout(sku, {
          step: 'authorize_payment',
          phase: 'after_save',
          action: 'throw',
        });
        // The reservation is gone before recovery can commit it (as if it had expired).
        await inventoryOf(platform).release(crashed.id);
        const half = await recover(crashed, { step: 'void_payment', phase, action: 'throw' });
        assert.equal(half.status, 'pending');
        assert.equal(half.saga.state, phase === 'before_save' ? 'compensating' : 'payment_voided');
        const recovered = await recover(half);
        await assertSettled(recovered, sku, 'failed');
        assert.equal(recovered.failure?.reasonCode, 'INVENTORY.RESERVATION_RELEASED');
        assert.deepEqual(await paymentStatuses(crashed.id), ['voided']);
      });
    }

    it('a capture refused after the stock was committed ends failed with the committed stock put back', async () => {
      const sku = await freshSku();
      const crashed = await crashDuringCheckout(sku, {
        step: 'commit_stock',
        phase: 'after_save',
        action: 'throw',
      });
      // The authorization disappears before recovery can capture it.
      await paymentsOf(platform).void(crashed.paymentId!);
      const recovered = await recover(crashed);
      await assertSettled(recovered, sku, 'failed');
      assert.equal(recovered.failure?.reasonCode, 'PAYMENT.ILLEGAL_TRANSITION');
    });

    for (const step of ['refund_payment', 'return_stock', 'cancel_order'] as const) {
      for (const phase of PHASES) {
        it(`a crash while cancelling, after ${step} (${phase}), is recovered to cancelled: refunded and restocked once`, async () => {
          const sku = await freshSku();
          const shop = await orderService();
          const key = randomUUID();
          const placed = await placeOrder(shop.deps, {
            userId: customer.userId,
            customer: {},
            idempotencyKey: key,
            input: checkoutBody([{ sku, quantity: QUANTITY }]) as never,
          });
          assert.equal(placed.order.status, 'confirmed');
          const crashing = await orderService({ step, phase, action: 'throw' });
          const viewer = { userId: customer.userId, canReadAll: false, canWriteAll: false };
          await assert.rejects(cancelOrder(crashing.deps, { id: placed.order.id }, viewer), SimulatedCrash);
          const crashed = (await crashing.deps.repository.findById(placed.order.id))!;
          const recovered = await recover(crashed);
          assert.deepEqual(
            [recovered.status, recovered.saga.state, recovered.failure?.reasonCode],
            ['cancelled', 'cancelled', 'ORDERS.CANCELLED_BY_CUSTOMER'],
          );
          assert.deepEqual(await stockOf(platform, sku), { quantity: STOCK, reserved: 0, available: STOCK });
          const payments = await paymentsOf(platform).findByOrder(crashed.id);
          assert.deepEqual(
            payments.map((p) => [p.status, p.refundedAmount]),
            [['refunded', crashed.total.toDecimalString()]],
          );
          const db = await platform.postgres();
          const events = await db.query<{ type: string }>(
            `SELECT type FROM orders.outbox WHERE aggregate_id = $1 ORDER BY seq`,
            [crashed.id],
          );
          assert.deepEqual(
            events.map((e) => e.type),
            ['order.confirmed', 'order.cancelled'],
          );
        });
      }
    }

    it('a driver that comes back after its saga was undone voids the authorization it then made', async () => {
      const sku = await freshSku();
      const crashed = await crashDuringCheckout(sku, {
        step: 'reserve_stock',
        phase: 'after_save',
        action: 'throw',
      });
      const undone = await recover(crashed);
      assert.deepEqual([undone.status, undone.failure?.reasonCode], ['failed', 'ORDERS.PAYMENT_INTERRUPTED']);
      // The first driver was only paused, not dead: it carries on from where it was, card in hand.
      const late = await orderService();
      const result = await late.runner.drive(crashed, 'the-paused-driver', {
        method: 'card',
        card: CARDS.ok,
      });
      assert.equal(result.status, 'failed');
      assert.deepEqual(await paymentStatuses(crashed.id), ['voided']);
      await assertSettled(result, sku, 'failed');
    });

    it('a late authorization whose void fails is not forgotten: the recovery worker voids it', async () => {
      const sku = await freshSku();
      const crashed = await crashDuringCheckout(sku, {
        step: 'reserve_stock',
        phase: 'after_save',
        action: 'throw',
      });
      await recover(crashed);
      const late = await orderService({ step: 'authorize_payment', phase: 'late_undo', action: 'throw' });
      const reopened = await late.runner.drive(crashed, 'the-paused-driver', {
        method: 'card',
        card: CARDS.ok,
      });
      assert.deepEqual([reopened.status, reopened.saga.state], ['failed', 'compensating']);
      assert.deepEqual(await paymentStatuses(crashed.id), ['authorized']);
      const recovered = await recover(reopened);
      await assertSettled(recovered, sku, 'failed');
      assert.equal(recovered.failure?.reasonCode, 'ORDERS.PAYMENT_INTERRUPTED');
      assert.deepEqual(await paymentStatuses(crashed.id), ['voided']);
    });

    it('leaves a saga whose driver still holds its lease alone, and a finished one untouched', async () => {
      const sku = await freshSku();
      const crashed = await crashDuringCheckout(sku, {
        step: 'commit_stock',
        phase: 'after_save',
        action: 'throw',
      });
      const early = await orderService();
      assert.equal(await early.recovery.runOnce(), 0);
      assert.equal((await early.deps.repository.findById(crashed.id))?.saga.state, 'stock_committed');
      const recovered = await recover(crashed);
      await assertSettled(recovered, sku, 'confirmed');
      assert.equal(await early.recovery.runOnce(), 0);
    });
  });
}
