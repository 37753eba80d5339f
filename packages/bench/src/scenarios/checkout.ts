import { randomBytes } from 'node:crypto';
import { serviceNames } from '@polyshop/platform';
import { startBenchPlatform, type BenchPlatform } from '../http-session.ts';
import { compareInterleaved, runLoad, type Comparison, type LoadResult } from '../measure.ts';
import { pgbench } from '../pgbench.ts';
import type { BenchTarget, Scenario, ScenarioResult, Scale } from '../scenario.ts';
import { RecordingDatabase, type RecordedUnit } from '../statement-recorder.ts';
import { freshUnits, pgbenchScript, replayUnits } from '../statement-replay.ts';
import { runCheckoutLoad } from '../storefront-load.ts';
import { seedProducts, Storefront, type Customer, type StorefrontOrder } from '../storefront.ts';

const SETTINGS = {
  small: { concurrency: [1, 16], durationMs: 1000, rounds: 1, sellOut: 20 },
  full: { concurrency: [1, 16, 32], durationMs: 5000, rounds: 3, sellOut: 100 },
} as const;

/** Products on sale; each checkout buys one unit of two of them (a two-line order). */
const PRODUCTS = 4;
const CUSTOMERS = 8;
const STOCK = 100_000_000;

/** What the load left to check: orders that were accepted but did not end confirmed. */
interface Ledger {
  accepted: number;
  unsettled: { customer: Customer; order: StorefrontOrder }[];
}

/**
 * A unit that found nothing to do: an idle poll (outbox relays, notification worker) that read no row,
 * or an outbox prune that deleted none (each relay's first pass, then once a minute).
 */
const idlePoll = (unit: RecordedUnit) =>
  unit.statements.every(
    (s) =>
      s.rows === 0 &&
      (/^\s*DELETE FROM \w+\.outbox\b/i.test(s.text) ||
        (/^\s*SELECT\b/i.test(s.text) && !/FOR UPDATE/i.test(s.text))),
  );

/**
 * A unit of the migration control store only (`platform.migrations`, `platform.migration_*`): each
 * movable service's router reads its phase and writes a heartbeat every second, whether anyone checks
 * out or not. Recorded with a checkout on a slow machine, four services' heartbeats made a replayed
 * "checkout" of 2,409 statements.
 */
const controlStoreOnly = (unit: RecordedUnit) =>
  unit.statements.every((s) => /\bplatform\.migration/.test(s.text));

/**
 * The statements one checkout makes the database run, from the request to the end of the work it
 * triggers (outbox relays publishing its events, the consumers of those events): one warm checkout on
 * its own, recorded until `quietMs` pass with nothing but idle polls. Idle polls after the answer and
 * the migration routers' heartbeats are left out (they run whether anyone checks out or not).
 */
async function captureCheckout(
  shop: Storefront,
  db: RecordingDatabase,
  customer: Customer,
  skus: readonly string[],
  quietMs = 600,
): Promise<RecordedUnit[]> {
  db.record();
  const order = await shop.checkout(customer, skus);
  if (order?.status !== 'confirmed') throw new Error(`the captured checkout ended ${order?.status}`);
  const answered = db.stopRecording().filter((unit) => !controlStoreOnly(unit));
  const after: RecordedUnit[] = [];
  for (let quiet = false; !quiet;) {
    db.record();
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const units = db.stopRecording().filter((unit) => !idlePoll(unit) && !controlStoreOnly(unit));
    quiet = units.length === 0;
    after.push(...units);
  }
  return [...answered, ...after];
}

/**
 * Waits until the platform has nothing left to do but idle polls (`quietMs` with no other unit, at
 * most `limitMs`): each round starts from a quiet platform, as a user's load would. The anchor's
 * replayed checkouts write outbox rows that the platform's relays publish and its consumers handle
 * after the round, and a polyshop round leaves its last events in flight: without this, that work
 * landed in the next round's first second (a 200–400 ms backlog of search and notification work
 * ahead of the round's first 32 checkouts: their p99 was the round's).
 */
async function settle(db: RecordingDatabase, quietMs = 300, limitMs = 10_000): Promise<void> {
  const deadline = performance.now() + limitMs;
  for (let quiet = false; !quiet && performance.now() < deadline;) {
    db.record();
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    quiet = db.stopRecording().every((unit) => idlePoll(unit) || controlStoreOnly(unit));
  }
}

/**
 * Sells out a SKU of `units` to twice as many concurrent one-unit checkouts: exactly `units` must end
 * confirmed and the stock at 0. Returns the units oversold (0 expected) and the orders confirmed.
 */
async function sellOut(
  bench: BenchPlatform,
  shop: Storefront,
  customers: readonly Customer[],
  units: number,
) {
  const sku = `BENCH-SELLOUT-${randomBytes(4).toString('hex')}`;
  await seedProducts(bench, [sku], units);
  const orders = await Promise.all(
    Array.from({ length: units * 2 }, async (_, i) => {
      const customer = customers[i % customers.length]!;
      const order = await shop.checkout(customer, [sku]);
      return order && shop.finalOrder(customer, order);
    }),
  );
  const confirmed = orders.filter((order) => order?.status === 'confirmed').length;
  const { body } = await bench.call('GET', `/inventory/${sku}`);
  const { quantity, reserved } = body as { quantity: number; reserved: number };
  const oversold = Math.max(0, confirmed - units, -quantity, reserved - quantity);
  if (quantity !== units - confirmed)
    throw new Error(`${sku}: ${confirmed} of ${units} units sold but ${quantity} left`);
  return { oversold, confirmed };
}

/**
 * `checkout`: customers place two-line orders through `POST /orders` (stock reservation, sandbox card
 * authorization, commit, capture, `order.confirmed`) with the whole platform in this process, against
 * the very statements one checkout makes the database run, replayed with the same transactions: by
 * pgbench on PostgreSQL, by an in-process loop on PGlite. Then a sell-out that must not oversell.
 */
async function runCheckout(target: BenchTarget, scale: Scale): Promise<ScenarioResult> {
  const settings = SETTINGS[scale];
  let recorder: RecordingDatabase | undefined;
  const bench = await startBenchPlatform({
    services: [...serviceNames],
    databaseUrl: target.databaseUrl,
    wrapPostgres: (db) => (recorder = new RecordingDatabase(db)),
  });
  const comparisons: Comparison[] = [];
  const shop = new Storefront(bench);
  try {
    await bench.platform.postgres();
    const db = recorder!;
    const skus = Array.from({ length: PRODUCTS }, (_, i) => `BENCH-CHECKOUT-${i + 1}`);
    await seedProducts(bench, skus, STOCK);
    const customers = await shop.signUp(CUSTOMERS);
    const cart = (n: number) => [skus[n % PRODUCTS]!, skus[(n + 1) % PRODUCTS]!];
    for (let i = 0; i < 5; i++) await shop.checkout(customers[0]!, cart(i)); // warm-up
    await new Promise((resolve) => setTimeout(resolve, 1000)); // its events consumed
    const units = await captureCheckout(shop, db, customers[0]!, cart(0));
    const statements = units.reduce((sum, unit) => sum + unit.statements.length, 0);
    const transactions = units.filter((unit) => unit.transaction).length;

    const ledger: Ledger = { accepted: 0, unsettled: [] };
    const counted = { orders: 0, statements: 0, transactions: 0 };
    const carts = Array.from({ length: PRODUCTS }, (_, n) => cart(n));
    const polyshop = (concurrency: number) => async (): Promise<LoadResult> => {
      await settle(db);
      db.resetCounts();
      const load = await runCheckoutLoad({
        base: bench.base,
        customers,
        carts,
        concurrency,
        durationMs: settings.durationMs,
      });
      ledger.accepted += load.accepted;
      ledger.unsettled.push(...load.unsettled);
      const { statements: s, transactions: t } = db.counts();
      counted.orders += load.result.ok;
      counted.statements += s;
      counted.transactions += t;
      return load.result;
    };
    const script = target.pgbench && target.databaseUrl ? await pgbenchScript(db.inner, units) : undefined;
    for (const concurrency of settings.concurrency) {
      const anchor =
        script && target.pgbench && target.databaseUrl
          ? async () => {
              await settle(db);
              return pgbench({
                binary: target.pgbench!,
                url: target.databaseUrl!,
                script,
                concurrency,
                durationMs: settings.durationMs,
              });
            }
          : async () => {
              await settle(db);
              return runLoad({
                concurrency,
                durationMs: settings.durationMs,
                operation: async () => {
                  await replayUnits(db.inner, freshUnits(units));
                  return true;
                },
              });
            };
      comparisons.push(
        await compareInterleaved({
          scenario: 'checkout',
          label: `${target.name} c=${concurrency}`,
          anchorName: script
            ? `pgbench: one checkout's ${statements} statements (${transactions} transactions) replayed`
            : `raw loop: one checkout's ${statements} statements (${transactions} transactions) replayed in this process`,
          rounds: settings.rounds,
          polyshop: polyshop(concurrency),
          anchor,
        }),
      );
    }
    const finals = await Promise.all(
      ledger.unsettled.map(({ customer, order }) => shop.finalOrder(customer, order)),
    );
    const notConfirmed = finals.filter((order) => order.status !== 'confirmed').length;
    const sold = await sellOut(bench, shop, customers, settings.sellOut);
    return {
      scenario: 'checkout',
      target: target.name,
      comparisons,
      checks: {
        oversold: sold.oversold,
        ordersAccepted: ledger.accepted,
        acceptedNotConfirmed: notConfirmed,
        sellOutConfirmed: sold.confirmed,
        sellOutUnits: settings.sellOut,
        statementsPerCheckout: statements,
        transactionsPerCheckout: transactions,
        statementsPerOrderUnderLoad: counted.orders ? counted.statements / counted.orders : 0,
        transactionsPerOrderUnderLoad: counted.orders ? counted.transactions / counted.orders : 0,
      },
    };
  } finally {
    shop.close();
    await bench.close();
  }
}

export const checkoutScenario: Scenario = {
  name: 'checkout',
  summary: "two-line checkouts over HTTP vs a replay of one checkout's own statements and transactions",
  targets: ['pglite', 'postgres'],
  run: runCheckout,
};
