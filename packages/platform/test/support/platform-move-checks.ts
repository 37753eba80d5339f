import assert from 'node:assert/strict';
import type { MigrationEngine } from '@polyshop/migration';
import { scanAll } from '@polyshop/migration/testing';
import type { MigrationSideCatalog, TestPlatform } from '@polyshop/platform/testing';
import { eventually } from '@polyshop/testing';
import { paymentsOf } from '../../../services/orders/test/fixtures/checkout-platform.ts';
import { recipients, type SmtpSink } from '../../../services/notifications/test/support/smtp-sink.ts';
import type { LiveMove } from '../../../services/products/test/integration/live-move-harness.ts';
import { storeIn, type PlatformTarget } from '../../src/cli/migrate-store-command.ts';
import { OUT_OF_STOCK, SHOP_SKUS, type MixedWorkload } from './mixed-workload.ts';

/** What the checks read a moved platform through. */
export interface MovedPlatform {
  platform: TestPlatform;
  /** HTTP requests as the admin. */
  admin: LiveMove['request'];
  /** Every movable service's sides over the platform's stores. */
  sides: MigrationSideCatalog;
  engine: MigrationEngine;
  smtp: SmtpSink;
}

/** What this file reads of the records the sides scan. */
interface CatalogueProduct {
  id: string;
  version: number;
  name: string;
  category: string;
  status: string;
}
interface IndexedProduct {
  id: string;
  version: number;
  searchable: boolean;
  document?: { name: string; category: string };
}
interface StockLevel {
  sku: string;
  quantity: number;
  reserved: number;
  available: number;
}

/**
 * After `migrate-store --all --to <target>` under `workload` (stopped and settled): every movable
 * service finished on its store in `target` and every process follows it, no client saw a 5xx or an
 * unexpected answer, every acknowledged write reads back with its last value, stock and payments
 * agree with the confirmed orders, each confirmed order was emailed once, and search equals the
 * catalogue. Each check below says what it holds.
 */
export async function assertPlatformMoved(
  moved: MovedPlatform,
  workload: MixedWorkload,
  target: PlatformTarget,
): Promise<void> {
  await assertEveryServiceOn(moved, target);
  assert.deepEqual(workload.failures, [], 'answers no client expected (5xx, oversell)');
  assert.deepEqual(workload.catalogue.failures, [], '5xx answers to catalogue edits');
  await assertWritesReadBack(moved, workload);
  await assertStockFollowsOrders(moved, workload, target);
  await assertOnePaymentPerOrder(moved, workload);
  await assertEmailedOnce(moved.smtp, workload);
  await assertSearchEqualsCatalogue(moved, target);
}

/** Each movable service's migration is `finished` on its store in `target`, and the platform routes there. */
export async function assertEveryServiceOn(moved: MovedPlatform, target: PlatformTarget): Promise<void> {
  const migrations = new Map((await moved.engine.state.list()).map((state) => [state.service, state]));
  for (const service of moved.sides.services()) {
    const store = storeIn(service, target);
    const migration = migrations.get(service);
    assert.deepEqual([migration?.phase, migration?.toStore], ['finished', store], `${service}'s migration`);
    await eventually(
      async () => {
        const answer = await moved.platform.app.inject('/readyz');
        const seen = answer.json<{ stores: Record<string, { reads: string; writes: string }> }>().stores;
        assert.deepEqual(
          [seen[service]?.reads, seen[service]?.writes],
          [store, store],
          `${service} as the platform sees it`,
        );
        return true;
      },
      { timeoutMs: 5_000, message: `the platform to run ${service} on ${store}` },
    );
  }
}

/** Every acknowledged product, preference and registration reads back through the API as last told. */
async function assertWritesReadBack(moved: MovedPlatform, workload: MixedWorkload): Promise<void> {
  for (const [id, last] of workload.catalogue.last) {
    const answer = await moved.admin('GET', `/products/${id}`);
    assert.equal(answer.statusCode, 200, answer.body);
    const held = answer.json<CatalogueProduct>();
    assert.deepEqual(
      [held.version, held.name, held.category, held.status],
      [last.version, last.name, last.category, last.status],
      `product ${id}`,
    );
  }
  for (const [userId, phone] of workload.phones) {
    const answer = await moved.admin('GET', `/notifications/preferences/${userId}`);
    assert.equal(answer.statusCode, 200, answer.body);
    assert.equal(answer.json<{ phone: string | null }>().phone, phone, `preferences of ${userId}`);
  }
  for (const shopper of workload.shoppers) {
    const answer = await moved.platform.app.inject({
      url: '/users/me',
      headers: { authorization: `Bearer ${shopper.token}` },
    });
    assert.equal(answer.statusCode, 200, answer.body);
    assert.equal(answer.json<{ email: string }>().email, shopper.email);
  }
}

/** Units of each SKU in the confirmed orders' lines. */
function unitsSold(workload: MixedWorkload): Map<string, number> {
  const sold = new Map(SHOP_SKUS.map((sku) => [sku, 0]));
  for (const order of workload.confirmed()) {
    for (const item of order.items) sold.set(item.sku, sold.get(item.sku)! + item.quantity);
  }
  return sold;
}

/**
 * No oversell and nothing lost: once every reservation is committed or released, each SKU has
 * nothing reserved and on hand what it received less the confirmed orders' lines; the store holds a
 * committed reservation for every confirmed order (with its lines) and for no other.
 */
async function assertStockFollowsOrders(
  moved: MovedPlatform,
  workload: MixedWorkload,
  target: PlatformTarget,
): Promise<void> {
  const sold = unitsSold(workload);
  const levels = await eventually(
    async () => {
      const answer = await moved.admin('GET', `/inventory?skus=${SHOP_SKUS.join(',')}`);
      assert.equal(answer.statusCode, 200, answer.body);
      const items = answer.json<{ items: StockLevel[] }>().items;
      return items.every((level) => level.reserved === 0) ? items : undefined;
    },
    { timeoutMs: 10_000, message: 'every reservation committed or released' },
  );
  for (const level of levels) {
    assert.equal(
      level.quantity,
      workload.received.get(level.sku)! - sold.get(level.sku)!,
      `${level.sku}: on hand = received (${workload.received.get(level.sku)}) − units in confirmed orders (${sold.get(level.sku)})`,
    );
  }
  const inventory = await moved.sides.side('inventory', storeIn('inventory', target));
  const committed = (await scanAll(inventory, 'reservations', 500))
    .map(
      (record) => record.body as { id: string; status: string; items: { sku: string; quantity: number }[] },
    )
    .filter((reservation) => reservation.status === 'committed');
  const byOrder = (items: { sku: string; quantity: number }[]) =>
    [...items].sort((a, b) => a.sku.localeCompare(b.sku)).map(({ sku, quantity }) => `${sku}×${quantity}`);
  assert.deepEqual(
    new Map(committed.map((reservation) => [reservation.id, byOrder(reservation.items)])),
    new Map(workload.confirmed().map((order) => [order.id, byOrder(order.items)])),
    'a committed reservation for each confirmed order, with its lines, and no other',
  );
}

/**
 * Each order ended confirmed or refused for stock; each confirmed one has exactly one payment,
 * captured for its total; a refused one none captured.
 */
async function assertOnePaymentPerOrder(moved: MovedPlatform, workload: MixedWorkload): Promise<void> {
  const payments = paymentsOf(moved.platform);
  for (const order of workload.orders.values()) {
    const paid = await payments.findByOrder(order.id);
    if (order.status === 'confirmed') {
      assert.deepEqual(
        paid.map((payment) => [payment.status, payment.amount]),
        [['captured', order.total]],
        `payments of ${order.orderNumber}`,
      );
    } else {
      assert.deepEqual([order.status, order.reasonCode], ['failed', OUT_OF_STOCK], `${order.orderNumber}`);
      assert.deepEqual(
        paid.filter((payment) => payment.status === 'captured'),
        [],
        `captured for refused ${order.orderNumber}`,
      );
    }
  }
}

/**
 * The SMTP server received exactly one confirmation email per confirmed order (to its shopper) and
 * none for another order, one welcome email per registered shopper and one per direct send.
 */
export async function assertEmailedOnce(smtp: SmtpSink, workload: MixedWorkload): Promise<void> {
  const confirmations = new Map(
    workload.confirmed().map((order) => [`Order Confirmed - ${order.orderNumber}`, order]),
  );
  const welcomed = [...workload.shoppers.map((shopper) => shopper.email), ...workload.directSends];
  const welcomesTo = (address: string) =>
    smtp.to(address).filter((mail) => mail.subject?.startsWith('Welcome to polyshop'));
  await eventually(
    () =>
      [...confirmations.keys()].every((subject) => smtp.messages.some((mail) => mail.subject === subject)) &&
      welcomed.every((address) => welcomesTo(address).length > 0),
    { timeoutMs: 30_000, message: 'every confirmation and welcome email' },
  );
  const sent = new Map<string, string[][]>();
  const sentAt = new Map<string, string[]>();
  for (const mail of smtp.messages) {
    if (!mail.subject?.startsWith('Order Confirmed - ')) continue;
    sent.set(mail.subject, [...(sent.get(mail.subject) ?? []), recipients(mail)]);
    sentAt.set(mail.subject, [
      ...(sentAt.get(mail.subject) ?? []),
      `${mail.date?.toISOString() ?? '?'} ${mail.messageId ?? '?'}`,
    ]);
  }
  // a Message-ID names its notification: one id twice is one delivery sent again (an attempt whose
  // SMTP answer was lost, or whose lease lapsed), two ids are two notifications of one event
  assert.deepEqual(
    [...sentAt].filter(([, sends]) => sends.length > 1),
    [],
    'confirmation emails sent more than once (subject, Date header and Message-ID of each)',
  );
  assert.deepEqual(
    sent,
    new Map([...confirmations].map(([subject, order]) => [subject, [[order.email]]])),
    'one confirmation email per confirmed order, to its shopper, and none for another order',
  );
  for (const address of welcomed) assert.equal(welcomesTo(address).length, 1, `welcome emails to ${address}`);
}

/**
 * Search equals the catalogue (once the event tail drained): the index's searchable products are the
 * catalogue's active ones, each at its version, name and category, on the stores the services run
 * on in `target`; and the index's stock of each shop SKU is inventory's.
 */
async function assertSearchEqualsCatalogue(moved: MovedPlatform, target: PlatformTarget): Promise<void> {
  const search = await moved.sides.side('search', storeIn('search', target));
  const catalogue = await moved.sides.side('products', storeIn('products', target));
  const byId = (a: readonly unknown[], b: readonly unknown[]) => String(a[0]).localeCompare(String(b[0]));
  await eventually(
    async () => {
      const indexed = (await scanAll(search, 'products', 500))
        .map((record) => record.body as IndexedProduct)
        .filter((product) => product.searchable)
        .map((product) => [product.id, product.version, product.document?.name, product.document?.category]);
      const active = (await scanAll(catalogue, 'products', 500))
        .map((record) => record.body as CatalogueProduct)
        .filter((product) => product.status === 'active')
        .map((product) => [product.id, product.version, product.name, product.category]);
      assert.deepEqual(indexed.sort(byId), active.sort(byId), 'the index holds exactly the active catalogue');
      const answer = await moved.admin('GET', `/inventory?skus=${SHOP_SKUS.join(',')}`);
      const stock = answer.json<{ items: StockLevel[] }>().items.map((level) => [level.sku, level.available]);
      const heard = (await search.read('stock', SHOP_SKUS)).map((record) => {
        const level = record.body as { sku: string; available: number };
        return [level.sku, level.available];
      });
      assert.deepEqual(heard.sort(byId), stock.sort(byId), "the index's stock is inventory's");
      return true;
    },
    { timeoutMs: 20_000, intervalMs: 200, message: 'search to equal the catalogue' },
  );
}
