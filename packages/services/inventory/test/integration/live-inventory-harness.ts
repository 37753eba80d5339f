import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import {
  MigrationEngine,
  MigrationStateStore,
  type MigrationSide,
  type MigrationSides,
  type Phase,
} from '@polyshop/migration';
import { scanAll, sideContents } from '@polyshop/migration/testing';
import { createTestPlatform, migrateStoreInProcess, type TestPlatform } from '@polyshop/platform/testing';
import { openDynamo, type DynamoConnection, type SqlDatabase } from '@polyshop/stores';
import type { AppError } from '@polyshop/kernel';
import { eventually, postgresTargets, skipReason, testServerUrl } from '@polyshop/testing';
import { ensureInventoryTable } from '../../src/adapters/dynamodb/dynamo-inventory-table.ts';
import { DynamoInventorySide } from '../../src/adapters/migration/dynamo-inventory-side.ts';
import {
  migrateInventory,
  PostgresInventorySide,
} from '../../src/adapters/migration/postgres-inventory-side.ts';
import { setStock } from '../../src/app/set-stock.ts';
import type { Reservation } from '../../src/domain/reservation.ts';
import type { StockLevel } from '../../src/domain/stock-level.ts';
import type { InventoryModule } from '../../src/inventory-module.ts';

const DYNAMODB = 'POLYSHOP_TEST_DYNAMODB_ENDPOINT';
const endpoint = testServerUrl(DYNAMODB);
const SERVICE = 'inventory';

/** The two stores inventory moves between. */
export type InventoryStore = 'postgres' | 'dynamodb';

/** The platform's PostgreSQL engine: in-memory PGlite, or a fresh database on the real server. */
export type LiveInventorySource = 'pglite' | 'postgres';

/**
 * Every PostgreSQL engine a live inventory move must work from, each with its skip reason: PGlite
 * always, the real server from `POLYSHOP_TEST_DATABASE_URL`, both with DynamoDB from
 * `POLYSHOP_TEST_DYNAMODB_ENDPOINT` (skipped loudly when missing locally, a failure under CI=true).
 */
export const LIVE_INVENTORY_SOURCES: { source: LiveInventorySource; skip: string | false }[] =
  postgresTargets().map((target) => ({
    source: target.name,
    skip: skipReason(DYNAMODB, endpoint) || target.skip,
  }));

/** The command's refusals to switch while the repair log holds keys. */
const REPAIRS_PENDING = ['MIGRATION.NOT_VERIFIED', 'MIGRATION.REPAIRS_PENDING'];

/** Two hot SKUs with little stock (reservations run them out), three cold ones with plenty. */
export const STOCK: Readonly<Record<string, number>> = {
  'HOT-1': 40,
  'HOT-2': 30,
  'COLD-1': 1000,
  'COLD-2': 1000,
  'COLD-3': 1000,
};
const SKUS = Object.keys(STOCK).sort();

/** The TTL of the reservations clients leave to expire (the reaper's, every 50 ms). */
export const SHORT_TTL_SECONDS = 1;
/** The TTL of the others: longer than any run, so those left active stay active. */
const LONG_TTL_SECONDS = 600;

/** The running platform (users + inventory, inventory configured on `configured`) and an engine to move it. */
export interface LiveInventory {
  platform: TestPlatform;
  module: InventoryModule;
  db: SqlDatabase;
  engine: MigrationEngine;
  /** Inventory's side on each store. */
  stores: { postgres: PostgresInventorySide; dynamodb: DynamoInventorySide };
  /** The move's sides: `from` the configured store, `to` the other. */
  sides: MigrationSides;
  /** The store a move goes to (the one not configured). */
  to: InventoryStore;
  /** Inventory's routing as the process reports it (`/readyz`). */
  phaseSeen(): Promise<{ phase: string; reads: string; writes: string; mirror?: string }>;
  /**
   * `polyshop migrate-store inventory --to <to> [--phase <phase>] [--yes]`, in this process over the
   * platform's stores (backfill, a verify that must be clean, the pause before write-switch without
   * `yes`); then waits until the process routes by `phase`.
   */
  migrateStoreTo(phase: Phase, yes?: boolean): Promise<void>;
  /** When each phase was reached (s since the platform began to open), and each command run again. */
  timeline: string[];
  close(): Promise<void>;
}

/**
 * Opens the platform on `source` with inventory on `configured` (a fresh DynamoDB table either way,
 * the reaper every 50 ms), both stores' schemas made, and the initial stock of `STOCK` set.
 */
export async function openLiveInventory(
  source: LiveInventorySource,
  configured: InventoryStore,
): Promise<LiveInventory> {
  const env = {
    DYNAMODB_ENDPOINT: endpoint!,
    INVENTORY_DYNAMODB_TABLE: `t_${randomBytes(5).toString('hex')}-inventory`,
    INVENTORY_REAPER_INTERVAL_MS: '50',
    INVENTORY_STORE: configured,
  };
  const opened = performance.now();
  const platform = await createTestPlatform({ target: source, services: ['users', 'inventory'], env });
  let dynamo: DynamoConnection | undefined;
  try {
    const module = platform.module('inventory')!;
    dynamo = openDynamo({ endpoint: endpoint! });
    await ensureInventoryTable(dynamo.client, env.INVENTORY_DYNAMODB_TABLE);
    const db = await platform.postgres();
    await migrateInventory(db);
    const engine = new MigrationEngine({ state: new MigrationStateStore(db), pollMs: 20 });
    const stores = {
      postgres: new PostgresInventorySide(db),
      dynamodb: new DynamoInventorySide(dynamo.documents, env.INVENTORY_DYNAMODB_TABLE),
    };
    const to: InventoryStore = configured === 'postgres' ? 'dynamodb' : 'postgres';
    for (const sku of SKUS) {
      await setStock(module.deps, { sku, quantity: STOCK[sku]!, reason: 'initial stock' });
    }
    const connection = dynamo;
    const timeline: string[] = [`opened in ${((performance.now() - opened) / 1000).toFixed(1)} s`];
    const phaseSeen = async () =>
      (await platform.app.inject('/readyz')).json<{
        stores: Record<string, { phase: string; reads: string; writes: string; mirror?: string }>;
      }>().stores[SERVICE]!;
    return {
      platform,
      module,
      db,
      engine,
      stores,
      sides: { from: stores[configured], to: stores[to] },
      to,
      phaseSeen,
      timeline,
      async migrateStoreTo(phase, yes = false) {
        const stores = {
          engine,
          configuredStore: configured,
          postgres: async () => db,
          mongodb: () => Promise.reject(new Error('inventory does not move to MongoDB')),
          dynamodb: () => connection,
          env,
        };
        const options = { service: SERVICE, to, phase, yes, batchSize: 200 };
        for (let attempt = 1; ; attempt++) {
          try {
            const { migration, lines } = await migrateStoreInProcess(stores, options);
            assert.equal(migration.phase, phase, lines.join('\n'));
            break;
          } catch (error) {
            // copies that outlasted the mirror's timeout on a busy machine are in the repair log, and
            // the command refuses to switch until they are retried: run it again, as its message says
            if (!REPAIRS_PENDING.includes((error as AppError).code) || attempt >= 5) throw error;
            timeline.push(`${phase}: run again (${(error as Error).message})`);
          }
        }
        await eventually(async () => (await phaseSeen()).phase === phase, {
          message: `the process to route by ${phase}`,
        });
        timeline.push(`${phase} at ${((performance.now() - opened) / 1000).toFixed(1)} s`);
      },
      async close() {
        await platform.dispose();
        await connection.client
          .send(new DeleteTableCommand({ TableName: env.INVENTORY_DYNAMODB_TABLE }))
          .catch(() => undefined);
        connection.close();
      },
    };
  } catch (error) {
    await platform.dispose();
    dynamo?.close();
    throw error;
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a client was told about one reservation. */
export interface Told {
  id: string;
  items: { sku: string; quantity: number }[];
  ttlSeconds: number;
  /** `active` while it was left to expire or to stay. */
  outcome: 'active' | 'committed' | 'released';
  /** Whether the reservation was begun after `cut()` (a rollback applied). */
  afterCut: boolean;
}

/** Clients reserving under a live move; `stop` ends them once every request answered. */
export interface Clients {
  told: Told[];
  /** Requests that failed (none may). */
  failures: string[];
  /** Reservations refused for want of stock (the hot SKUs run out). */
  shortages(): number;
  /** From now on, reservations that begin are marked `afterCut`. */
  cut(): void;
  stop(): Promise<void>;
}

/**
 * `workers` clients reserving one or two SKUs (hot ones most), then committing (4 in 10), releasing (2
 * in 10), leaving to expire (`SHORT_TTL_SECONDS`, 1 in 10) or leaving active (`LONG_TTL_SECONDS`) what they got,
 * 50 ms apart, until `stop`.
 */
export function startClients(move: LiveInventory, workers: number): Clients {
  const told: Told[] = [];
  const failures: string[] = [];
  let shortages = 0;
  let stopped = false;
  let cut = false;
  const client = move.module.client!;
  const hot = SKUS.filter((sku) => sku.startsWith('HOT'));
  const cold = SKUS.filter((sku) => sku.startsWith('COLD'));
  const worker = async (w: number) => {
    for (let i = 0; !stopped; i++) {
      const first = i % 3 === 2 ? cold[(w + i) % cold.length]! : hot[(w + i) % hot.length]!;
      const second = i % 4 === 0 ? cold[(w * 7 + i) % cold.length]! : undefined;
      const items = [{ sku: first, quantity: 1 + ((w + i) % 2) }];
      if (second && second !== first) items.push({ sku: second, quantity: 1 });
      // 0–3: commit; 4, 5: release; 6: leave to expire; 7–9: leave active
      const choice = (w * 13 + i) % 10;
      const ttlSeconds = choice === 6 ? SHORT_TTL_SECONDS : LONG_TTL_SECONDS;
      const id = `res-${w}-${i}-${randomBytes(3).toString('hex')}`;
      const afterCut = cut;
      try {
        const result = await client.reserve({ reservationId: id, items, ttlSeconds });
        if (result.status !== 'reserved') {
          shortages += 1;
        } else {
          const entry: Told = {
            id,
            items: result.reservation.items,
            ttlSeconds,
            outcome: 'active',
            afterCut,
          };
          told.push(entry);
          if (choice <= 3) {
            assert.equal((await client.commit(id)).status, 'committed');
            entry.outcome = 'committed';
          } else if (choice <= 5) {
            assert.equal((await client.release(id)).status, 'released');
            entry.outcome = 'released';
          }
        }
      } catch (error) {
        failures.push(`${id}: ${(error as Error).message}`);
      }
      await sleep(50);
    }
  };
  const running = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return {
    told,
    failures,
    shortages: () => shortages,
    cut() {
      cut = true;
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** Resolves once the clients were told of `count` more reservations than now (30 s at most). */
export async function moreReservations(clients: Clients, count: number, where: string): Promise<void> {
  const from = clients.told.length;
  await eventually(async () => clients.told.length >= from + count, {
    message: `${count} reservations made ${where}`,
    timeoutMs: 30_000,
  });
}

/** Both stores' stock, read straight from each: never more reserved than on hand, never negative. */
export async function assertNoOversell(move: LiveInventory, where: string): Promise<void> {
  for (const side of [move.stores.postgres, move.stores.dynamodb]) {
    for (const { body } of await side.read('stock', SKUS)) {
      const level = body as StockLevel;
      assert.ok(
        level.reserved >= 0 && level.reserved <= level.quantity,
        `${where}, ${side.store}: ${JSON.stringify(level)}`,
      );
    }
  }
}

/**
 * Checks both stores for oversell every 250 ms until the returned `stop`, which resolves to how many
 * checks ran and the failures seen.
 */
export function watchOversell(move: LiveInventory): () => Promise<{ checks: number; failures: string[] }> {
  let watching = true;
  let checks = 0;
  const failures: string[] = [];
  const watcher = (async () => {
    while (watching) {
      await assertNoOversell(move, 'during the move')
        .then(() => (checks += 1))
        .catch((error: Error) => failures.push(error.message));
      await sleep(250);
    }
  })();
  return async () => {
    watching = false;
    await watcher;
    return { checks, failures };
  };
}

/**
 * What `side` (the source of truth once the clients stopped) must hold: the short reservations left
 * active expired (by the reaper, waited for), and then every reservation a client was told of with
 * the status it was told (or expired, when left to), no SKU oversold on either store, each SKU's
 * quantity its initial stock less the units committed (units sold = confirmed reservations, none
 * lost or counted twice), its reserved units those of the reservations left active — so none was
 * expired twice, or never.
 */
export async function assertHoldsTold(move: LiveInventory, side: MigrationSide, told: readonly Told[]) {
  await eventually(
    async () =>
      (await scanAll(side, 'reservations', 200))
        .map((record) => record.body as Reservation)
        .every((r) => r.status !== 'active' || r.ttlSeconds !== SHORT_TTL_SECONDS),
    { message: `the short reservations expired on ${side.store}`, timeoutMs: 30_000 },
  );
  await assertNoOversell(move, 'once the clients stopped');
  const stored = new Map(
    (await scanAll(side, 'reservations', 200)).map((record) => [record.key, record.body as Reservation]),
  );
  for (const entry of told) {
    const reservation = stored.get(entry.id);
    assert.ok(reservation, `${entry.id} is not lost on ${side.store}`);
    const expected =
      entry.outcome !== 'active'
        ? entry.outcome
        : entry.ttlSeconds === SHORT_TTL_SECONDS
          ? 'expired'
          : 'active';
    assert.equal(reservation.status, expected, `${entry.id} on ${side.store}: told ${entry.outcome}`);
  }
  const stock = new Map(
    (await scanAll(side, 'stock', 200)).map((record) => [record.key, record.body as StockLevel]),
  );
  for (const sku of SKUS) {
    const units = (outcome: Told['outcome'], ttl?: number) =>
      told
        .filter((t) => t.outcome === outcome && (ttl === undefined || t.ttlSeconds === ttl))
        .flatMap((t) => t.items)
        .filter((item) => item.sku === sku)
        .reduce((sum, item) => sum + item.quantity, 0);
    const level = stock.get(sku)!;
    assert.equal(
      level.quantity,
      STOCK[sku]! - units('committed'),
      `${sku} on ${side.store}: units sold = committed`,
    );
    assert.equal(
      level.reserved,
      units('active', LONG_TTL_SECONDS),
      `${sku} on ${side.store}: reserved = active reservations`,
    );
  }
}

/** Every record the side holds (kind/key → version and canonical form): what must not change. */
export const contentsOf = (side: MigrationSide) => sideContents(side, 200);

/** A little load per phase, so each move stays short in CI. */
const PHASE_LOAD_MS = 300;
/** Reservations made in a switched phase (some left to expire there), and after a rollback. */
const SWITCHED_RESERVATIONS = 10;
/** Clients reserving during a move. */
const CLIENTS = 4;

/** The clients' outcome and the oversell watch's, each checked: no failure, enough of both. */
async function stopAndCheck(clients: Clients, stopWatching: ReturnType<typeof watchOversell>) {
  await clients.stop();
  const watched = await stopWatching();
  assert.deepEqual(clients.failures, []);
  assert.deepEqual(watched.failures, []);
  assert.ok(watched.checks >= 5, `${watched.checks} oversell checks of both stores`);
  assert.ok(clients.told.length > 30, `${clients.told.length} reservations, ${clients.shortages()} short`);
  return watched;
}

/** What a live move or rollback reports: reservations made, short, oversell checks of both stores. */
export interface MoveNumbers {
  reservations: number;
  shortages: number;
  oversellChecks: number;
  timeline: string[];
}

/**
 * Opens the platform's inventory on `configured` with clients reserving and a watch for oversell on
 * both stores, runs `drive` under them, then stops the clients (checking what they saw) and runs the
 * check `drive` resolved to. The numbers, or the failure with the move's timeline.
 */
async function underClients(
  source: LiveInventorySource,
  configured: InventoryStore,
  drive: (move: LiveInventory, clients: Clients) => Promise<() => Promise<void>>,
): Promise<MoveNumbers> {
  const move = await openLiveInventory(source, configured);
  try {
    const clients = startClients(move, CLIENTS);
    const stopWatching = watchOversell(move);
    let check: () => Promise<void>;
    try {
      check = await drive(move, clients);
    } catch (error) {
      await clients.stop();
      await stopWatching();
      throw error;
    }
    const watched = await stopAndCheck(clients, stopWatching);
    await check();
    return {
      reservations: clients.told.length,
      shortages: clients.shortages(),
      oversellChecks: watched.checks,
      timeline: move.timeline,
    };
  } catch (error) {
    (error as Error).message += `\n(${move.timeline.join('; ')})`;
    throw error;
  } finally {
    await move.close();
  }
}

/**
 * Moves the platform's inventory live from `configured` to the other store, with `migrate-store
 * inventory --to <store>` phase by phase to `finished`, under clients; then checks the new store
 * holds what they were told (`assertHoldsTold`), and that the old store took no write after
 * `finished` (the reaper's included).
 */
export function moveLiveToFinished(
  source: LiveInventorySource,
  configured: InventoryStore,
): Promise<MoveNumbers> {
  return underClients(source, configured, async (move, clients) => {
    const { to } = move;
    await sleep(PHASE_LOAD_MS);
    await move.migrateStoreTo('dual-write');
    await sleep(PHASE_LOAD_MS);
    await move.migrateStoreTo('read-switch'); // backfill, then a verify that must be clean
    assert.equal((await move.phaseSeen()).reads, to);
    await sleep(PHASE_LOAD_MS);
    await move.migrateStoreTo('write-switch', true);
    assert.deepEqual(await move.phaseSeen(), {
      phase: 'write-switch',
      reads: to,
      writes: to,
      mirror: configured,
    });
    await moreReservations(clients, SWITCHED_RESERVATIONS, 'in write-switch');
    await move.migrateStoreTo('finished', true);
    assert.deepEqual(await move.phaseSeen(), { phase: 'finished', reads: to, writes: to });
    // its writes begun before have ended (their copies to the old store included)
    await move.engine.waitForMembers(SERVICE, (await move.engine.state.require(SERVICE)).epoch);
    const oldStoreAtFinish = await contentsOf(move.sides.from);
    await moreReservations(clients, SWITCHED_RESERVATIONS, 'after finished');
    return async () => {
      await assertHoldsTold(move, move.sides.to, clients.told);
      assert.deepEqual(
        await contentsOf(move.sides.from),
        oldStoreAtFinish,
        'the old store took no write after finished',
      );
    };
  });
}

/**
 * Moves the platform's inventory live from `configured` towards the other store up to `phase`, rolls
 * back there under clients, lets them reserve a while longer, and checks what the rollback must
 * leave: the process routing everything to `configured` again, which alone holds every reservation a
 * client was told of with its status and the stock that goes with them (`assertHoldsTold`), and the
 * other store untouched by every write since the rollback applied (the reaper's included).
 */
export function rollBackLive(
  source: LiveInventorySource,
  configured: InventoryStore,
  phase: 'read-switch' | 'write-switch',
): Promise<MoveNumbers> {
  return underClients(source, configured, async (move, clients) => {
    const { engine, sides } = move;
    await sleep(PHASE_LOAD_MS);
    await move.migrateStoreTo('dual-write');
    await sleep(PHASE_LOAD_MS);
    await move.migrateStoreTo(phase, true);
    // reservations made, and left to expire, while `phase` routes them
    await moreReservations(clients, SWITCHED_RESERVATIONS, `in ${phase}`);
    const rolledBack = await engine.rollback(SERVICE, sides);
    assert.equal(rolledBack.phase, 'idle');
    // once this process applied the rollback, its writes begun before have ended: every one after goes to `configured` only
    await engine.waitForMembers(SERVICE, rolledBack.epoch);
    const otherStoreAtCut = await contentsOf(sides.to);
    clients.cut();
    await moreReservations(clients, SWITCHED_RESERVATIONS, 'after the rollback');
    return async () => {
      assert.deepEqual(await move.phaseSeen(), { phase: 'idle', reads: configured, writes: configured });
      await assertHoldsTold(move, sides.from, clients.told);
      const sinceCut = clients.told.filter((entry) => entry.afterCut).map((entry) => entry.id);
      assert.ok(sinceCut.length > 0, 'reservations begun after the rollback');
      assert.deepEqual(await sides.to.read('reservations', sinceCut), [], `${move.to} has none begun after`);
      assert.deepEqual(
        await contentsOf(sides.to),
        otherStoreAtCut,
        `${move.to} took no write after the rollback`,
      );
    };
  });
}
