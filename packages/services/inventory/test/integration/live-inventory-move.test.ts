import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { MigrationEngine, MigrationStateStore, type MigrationSides, type Phase } from '@polyshop/migration';
import { createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import { openDynamo, type DynamoConnection } from '@polyshop/stores';
import { eventually, skipReason, testServerUrl } from '@polyshop/testing';
import { ensureInventoryTable } from '../../src/adapters/dynamodb/dynamo-inventory-table.ts';
import { DynamoInventorySide } from '../../src/adapters/migration/dynamo-inventory-side.ts';
import { PostgresInventorySide } from '../../src/adapters/migration/postgres-inventory-side.ts';
import { setStock } from '../../src/app/set-stock.ts';
import type { Reservation } from '../../src/domain/reservation.ts';
import type { StockLevel } from '../../src/domain/stock-level.ts';
import type { InventoryModule } from '../../src/inventory-module.ts';

const DYNAMODB = 'POLYSHOP_TEST_DYNAMODB_ENDPOINT';
const endpoint = testServerUrl(DYNAMODB);
const SERVICE = 'inventory';

/** Two hot SKUs with little stock (reservations run them out), three cold ones with plenty. */
const STOCK: Record<string, number> = {
  'HOT-1': 40,
  'HOT-2': 30,
  'COLD-1': 1000,
  'COLD-2': 1000,
  'COLD-3': 1000,
};
const SKUS = Object.keys(STOCK).sort();

/** What a client was told about one reservation. */
interface Told {
  id: string;
  items: { sku: string; quantity: number }[];
  ttlSeconds: number;
  /** `active` while it was left to expire or to stay. */
  outcome: 'active' | 'committed' | 'released';
}

async function scanAll<T>(side: DynamoInventorySide | PostgresInventorySide, kind: string): Promise<T[]> {
  const all: T[] = [];
  for (let after: string | undefined; ;) {
    const page = await side.scan(kind, after, 200);
    all.push(...page.map((record) => record.body as T));
    if (page.length < 200) return all;
    after = page.at(-1)!.key;
  }
}

/**
 * The running platform (users + inventory on PGlite, DynamoDB configured) moves its inventory to
 * DynamoDB phase by phase while clients keep reserving a few SKUs (two of them hot, running out), and
 * commit, release or leave their reservations (some to expire, by the reaper): backfill, a clean
 * verify, read-switch, write-switch, then a rollback to PostgreSQL. Throughout, neither store ever
 * shows a SKU with more reserved than on hand; at the end, each SKU's units committed are what clients
 * were told committed, its reserved units are those of its active reservations, and every reservation a
 * client was told about is there with the status it was told (or expired, when it was left to).
 */
describe('moving live inventory from PGlite to DynamoDB', { skip: skipReason(DYNAMODB, endpoint) }, () => {
  let platform: TestPlatform;
  let module: InventoryModule;
  let dynamo: DynamoConnection;
  let engine: MigrationEngine;
  let sides: MigrationSides & { from: PostgresInventorySide; to: DynamoInventorySide };
  const tableName = `t_${randomBytes(5).toString('hex')}-inventory`;

  before(async () => {
    platform = await createTestPlatform({
      target: 'pglite',
      services: ['users', 'inventory'],
      env: {
        DYNAMODB_ENDPOINT: endpoint!,
        INVENTORY_DYNAMODB_TABLE: tableName,
        INVENTORY_REAPER_INTERVAL_MS: '50',
      },
    });
    module = platform.module('inventory')!;
    dynamo = openDynamo({ endpoint: endpoint! });
    await ensureInventoryTable(dynamo.client, tableName);
    const db = await platform.postgres();
    engine = new MigrationEngine({ state: new MigrationStateStore(db), pollMs: 20 });
    sides = { from: new PostgresInventorySide(db), to: new DynamoInventorySide(dynamo.documents, tableName) };
  });
  after(async () => {
    await platform?.dispose();
    await dynamo?.client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    dynamo?.close();
  });

  const phaseSeen = async () =>
    (await platform.app.inject('/readyz')).json<{
      stores: Record<string, { phase: string; reads: string; writes: string; mirror?: string }>;
    }>().stores[SERVICE]!;

  /**
   * Through backfill and a clean verify to `phase`; like `migrate-store`, the repair log (copies that
   * timed out on a busy machine) is retried before verify and before the switches.
   */
  async function moveTo(phase: Phase): Promise<void> {
    for (let current = (await engine.state.require(SERVICE)).phase; current !== phase;) {
      if (current === 'backfill') {
        assert.equal((await engine.runBackfill({ service: SERVICE, sides, batchSize: 50 })).completed, true);
      }
      if (current === 'verify' || current === 'read-switch') {
        await engine.retryRepairs(SERVICE, sides);
      }
      if (current === 'verify') {
        const report = await engine.verify({ service: SERVICE, sides, batchSize: 100 });
        assert.equal(report.clean, true, JSON.stringify(report.details, null, 1));
      }
      current = (await engine.advance(SERVICE, current)).phase;
    }
    await eventually(async () => (await phaseSeen()).phase === phase);
  }

  /** Both stores' stock: never more reserved than on hand, never negative (read straight from each store). */
  async function assertNoOversell(where: string): Promise<void> {
    for (const side of [sides.from, sides.to]) {
      for (const { body } of await side.read('stock', SKUS)) {
        const level = body as StockLevel;
        assert.ok(
          level.reserved >= 0 && level.reserved <= level.quantity,
          `${where}, ${side.store}: ${JSON.stringify(level)}`,
        );
      }
    }
  }

  /** `workers` clients reserving one or two SKUs (hot ones most), then committing, releasing or leaving them. */
  function startClients(workers: number) {
    const told: Told[] = [];
    const failures: string[] = [];
    let shortages = 0;
    let stopped = false;
    const client = module.client!;
    const worker = async (w: number) => {
      for (let i = 0; !stopped; i++) {
        const hot = SKUS.filter((sku) => sku.startsWith('HOT'));
        const cold = SKUS.filter((sku) => sku.startsWith('COLD'));
        const first = i % 3 === 2 ? cold[(w + i) % cold.length]! : hot[(w + i) % hot.length]!;
        const second = i % 4 === 0 ? cold[(w * 7 + i) % cold.length]! : undefined;
        const items = [{ sku: first, quantity: 1 + ((w + i) % 2) }];
        if (second && second !== first) items.push({ sku: second, quantity: 1 });
        const choice = (w * 13 + i) % 5; // 0, 1: commit; 2: release; 3: leave to expire; 4: leave active
        const ttlSeconds = choice === 3 ? 1 : 30;
        const id = `res-${w}-${i}-${randomBytes(3).toString('hex')}`;
        try {
          const result = await client.reserve({ reservationId: id, items, ttlSeconds });
          if (result.status !== 'reserved') {
            shortages += 1;
          } else {
            const entry: Told = { id, items: result.reservation.items, ttlSeconds, outcome: 'active' };
            told.push(entry);
            if (choice <= 1) {
              assert.equal((await client.commit(id)).status, 'committed');
              entry.outcome = 'committed';
            } else if (choice === 2) {
              assert.equal((await client.release(id)).status, 'released');
              entry.outcome = 'released';
            }
          }
        } catch (error) {
          failures.push(`${id}: ${(error as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const running = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
    return {
      told,
      failures,
      shortages: () => shortages,
      async stop() {
        stopped = true;
        await running;
      },
    };
  }

  it(
    'never oversells through every phase and a rollback from write-switch; what clients were told is what the store holds',
    { timeout: 40_000 },
    async () => {
      for (const sku of SKUS) {
        await setStock(module.deps, { sku, quantity: STOCK[sku]!, reason: 'initial stock' });
      }
      const clients = startClients(6);
      let checking = true;
      const checks: string[] = [];
      const checker = (async () => {
        while (checking) {
          await assertNoOversell('during the move').catch((error: Error) => checks.push(error.message));
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      })();
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        await engine.start(SERVICE, 'postgres', 'dynamodb');
        await moveTo('read-switch');
        assert.equal((await phaseSeen()).reads, 'dynamodb');
        await new Promise((resolve) => setTimeout(resolve, 300));
        await moveTo('write-switch');
        assert.deepEqual(await phaseSeen(), {
          phase: 'write-switch',
          reads: 'dynamodb',
          writes: 'dynamodb',
          mirror: 'postgres',
        });
        const beforeWrites = clients.told.length;
        await new Promise((resolve) => setTimeout(resolve, 1_500)); // reservations made, expired on DynamoDB
        assert.ok(clients.told.length > beforeWrites, 'reservations made in write-switch');
        await engine.rollback(SERVICE, sides);
        await eventually(async () => (await phaseSeen()).phase === 'idle');
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        await clients.stop();
        checking = false;
        await checker;
      }
      assert.deepEqual(clients.failures, []);
      assert.deepEqual(checks, []);
      assert.ok(
        clients.told.length > 30,
        `${clients.told.length} reservations, ${clients.shortages()} short`,
      );

      // the left ones with 1 s expire (by the reaper on PostgreSQL, the source of truth again)
      await eventually(
        async () => {
          const active = (await scanAll<Reservation>(sides.from, 'reservations')).filter(
            (r) => r.status === 'active' && r.ttlSeconds === 1,
          );
          return active.length === 0;
        },
        { message: 'the short reservations expired', timeoutMs: 8_000 },
      );
      await assertNoOversell('after the rollback');
      const stored = new Map((await scanAll<Reservation>(sides.from, 'reservations')).map((r) => [r.id, r]));
      for (const entry of clients.told) {
        const reservation = stored.get(entry.id);
        assert.ok(reservation, `${entry.id} is not lost`);
        const expected =
          entry.outcome !== 'active' ? entry.outcome : entry.ttlSeconds === 1 ? 'expired' : 'active';
        assert.equal(reservation.status, expected, `${entry.id}: told ${entry.outcome}`);
      }
      const stock = new Map((await scanAll<StockLevel>(sides.from, 'stock')).map((s) => [s.sku, s]));
      for (const sku of SKUS) {
        const units = (outcome: Told['outcome'], ttl?: number) =>
          clients.told
            .filter((t) => t.outcome === outcome && (ttl === undefined || t.ttlSeconds === ttl))
            .flatMap((t) => t.items)
            .filter((item) => item.sku === sku)
            .reduce((sum, item) => sum + item.quantity, 0);
        const level = stock.get(sku)!;
        assert.equal(level.quantity, STOCK[sku]! - units('committed'), `${sku}: units sold = committed`);
        assert.equal(level.reserved, units('active', 30), `${sku}: reserved = active reservations`);
      }
      assert.ok((await sides.to.count('reservations')) > 0, 'DynamoDB took reservations during the move');
    },
  );
});
