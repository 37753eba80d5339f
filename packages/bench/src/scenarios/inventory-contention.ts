import { randomBytes } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { openDynamo, openPostgres, sqlStateOf, SqlState, type SqlDatabase } from '@polyshop/stores';
import { startBenchPlatform, type BenchPlatform } from '../http-session.ts';
import { compareInterleaved, runLoad, type Comparison, type LoadResult } from '../measure.ts';
import type { BenchTarget, ResultTable, Scenario, ScenarioResult, Scale } from '../scenario.ts';

const SCENARIO = 'inventory-contention';
const SEED_TABLE = 'bench.seed_inventory';
/** More than any run reserves: the throughput rounds never run out. */
const STOCK = 1_000_000_000;

const SETTINGS = {
  small: {
    concurrency: [1, 64],
    // moto takes seconds per transaction at c=64: the small run keeps to c=16 there
    dynamoConcurrency: [1, 16],
    durationMs: 1500,
    rounds: 1,
    sortedAnchor: false,
    skus: 20,
    lines: 4,
    sellOutStock: 5,
  },
  full: {
    concurrency: [1, 16, 64, 256],
    dynamoConcurrency: [1, 16, 64, 256],
    durationMs: 5000,
    rounds: 3,
    // the seed's pattern with the SKUs locked in one order: what is left of its cost without deadlocks
    sortedAnchor: true,
    skus: 50,
    lines: 5,
    sellOutStock: 40,
  },
} as const;

type Settings = (typeof SETTINGS)[Scale];

/** `lines` distinct SKUs of `skus`, in random order: what makes two orders lock in opposite orders. */
function randomOrder(skus: readonly string[], lines: number): string[] {
  const pool = [...skus];
  for (let i = 0; i < lines; i++) {
    const j = i + Math.floor(Math.random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, lines);
}

/** Figures a run leaves beside its rate: the counters read around it. */
interface Counters {
  /** `pg_stat_database.deadlocks` risen during the run (PostgreSQL), or conflicts retried (DynamoDB). */
  deadlocks: number;
  /** Deadlocks (or conflicts) the client saw and retried. */
  retried: number;
  /** Orders given up after waiting `LOCK_TIMEOUT` for a row lock. */
  lockTimeouts: number;
  /** Backends waiting on a lock (`pg_stat_activity.wait_event_type = 'Lock'`), sampled every 25 ms. */
  lockWaitSamples: number[];
}

const emptyCounters = (): Counters => ({ deadlocks: 0, retried: 0, lockTimeouts: 0, lockWaitSamples: [] });

/** PostgreSQL's own view of the benchmark's database: deadlocks so far and backends waiting on a lock now. */
class PostgresWatch {
  private constructor(private readonly db: SqlDatabase) {}

  static async open(url: string): Promise<PostgresWatch> {
    return new PostgresWatch(await openPostgres({ url, poolSize: 1 }));
  }

  /** Deadlocks detected in this database. Backends report them when idle (at most once a second) or on exit. */
  async deadlocks(): Promise<number> {
    const [row] = await this.db.query<{ deadlocks: string }>(
      `SELECT deadlocks, pg_stat_clear_snapshot() FROM pg_stat_database WHERE datname = current_database()`,
    );
    return Number(row?.deadlocks ?? 0);
  }

  /** Runs `run` while sampling lock waits, adding what it saw to `counters`. */
  async observe(counters: Counters, run: () => Promise<LoadResult>): Promise<LoadResult> {
    const before = await this.deadlocks();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [row] = await this.db.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        counters.lockWaitSamples.push(row?.waiting ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    try {
      return await run();
    } finally {
      sampling = false;
      await sampler;
      // the pool's backends flush their statistics when idle, within a second
      await new Promise((resolve) => setTimeout(resolve, 1100));
      counters.deadlocks += (await this.deadlocks()) - before;
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/**
 * How long a seed order waits for a row lock before it gives up (SQLSTATE 55P03, counted as a failed
 * order): above `deadlock_timeout` (1 s, PostgreSQL's default), so that deadlocks are still detected,
 * and a bound on the convoys behind them (without it, a round at c=64 on 20 SKUs queued for minutes).
 */
const LOCK_TIMEOUT = '2s';
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * The seed's pattern ("Lock contention at scale"), one order: `BEGIN`, `SELECT quantity … FOR UPDATE`
 * on each SKU in the order's (random) order, the `UPDATE`s, `COMMIT`; run again from the start when
 * PostgreSQL reports a deadlock (40P01), as an application must — until the round's `deadline`.
 */
async function seedOrder(
  db: SqlDatabase,
  skus: readonly string[],
  counters: Counters,
  deadline: number,
): Promise<boolean> {
  for (;;) {
    try {
      return await db.transaction(async (tx) => {
        await tx.execute(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
        for (const sku of skus) {
          const [row] = await tx.query<{ quantity: number }>(
            `SELECT quantity FROM ${SEED_TABLE} WHERE sku = $1 FOR UPDATE`,
            [sku],
          );
          if (!row || row.quantity < 1) return false;
        }
        for (const sku of skus) {
          await tx.execute(`UPDATE ${SEED_TABLE} SET quantity = quantity - 1 WHERE sku = $1`, [sku]);
        }
        return true;
      });
    } catch (error) {
      const state = sqlStateOf(error);
      if (state === LOCK_NOT_AVAILABLE) {
        counters.lockTimeouts++;
        return false;
      }
      if (state !== SqlState.deadlockDetected) throw error;
      counters.retried++;
      if (performance.now() > deadline) return false;
    }
  }
}

/** The seed's table, its SKUs stocked, on the benchmark's database. */
async function createSeedTable(url: string, skus: readonly string[]): Promise<void> {
  const db = await openPostgres({ url, poolSize: 1 });
  try {
    await db.exec(
      `CREATE SCHEMA IF NOT EXISTS bench;
       CREATE TABLE IF NOT EXISTS ${SEED_TABLE} (sku text PRIMARY KEY, quantity integer NOT NULL)`,
    );
    for (const sku of skus) await db.query(`INSERT INTO ${SEED_TABLE} VALUES ($1, $2)`, [sku, STOCK]);
  } finally {
    await db.close();
  }
}

/** One round of the seed's pattern at `concurrency`, on a pool of as many connections, opened first. */
async function seedRound(
  url: string,
  skus: readonly string[],
  settings: Settings,
  concurrency: number,
  sorted: boolean,
) {
  const counters = emptyCounters();
  const db = await openPostgres({ url, poolSize: concurrency });
  try {
    await Promise.all(Array.from({ length: concurrency }, () => db.query('SELECT 1')));
    const deadline = performance.now() + settings.durationMs;
    const result = await runLoad({
      concurrency,
      durationMs: settings.durationMs,
      operation: () => {
        const order = randomOrder(skus, settings.lines);
        return seedOrder(db, sorted ? order.sort() : order, counters, deadline);
      },
    });
    return { result, counters };
  } finally {
    await db.close();
  }
}

/** Each SKU's quantity and reserved units, as `GET /inventory?skus=` answers. */
async function stockOf(bench: BenchPlatform, skus: readonly string[]) {
  const { status, body } = await bench.call('GET', `/inventory?skus=${skus.join(',')}`);
  if (status !== 200) throw new Error(`reading stock answered ${status}`);
  return (body as { items: { sku: string; quantity: number; reserved: number }[] }).items;
}

/**
 * Checks the stock after a round: no SKU reserved beyond its quantity (returned: the units oversold),
 * and the units reserved since `before` equal to those of the reservations accepted (else it throws:
 * a lost or phantom update).
 */
async function checkStock(bench: BenchPlatform, skus: readonly string[], before: number, accepted: number) {
  const items = await stockOf(bench, skus);
  const reserved = items.reduce((sum, item) => sum + item.reserved, 0);
  if (reserved - before !== accepted) {
    throw new Error(`${accepted} units accepted but ${reserved - before} reserved`);
  }
  const oversold = items.reduce((sum, item) => sum + Math.max(0, item.reserved - item.quantity), 0);
  return { oversold, reserved };
}

/** A multi-SKU reservation over HTTP; true on 201. */
async function reserve(bench: BenchPlatform, id: string, skus: readonly string[]): Promise<boolean> {
  const { status } = await bench.call('POST', '/inventory/reservations', {
    reservationId: id,
    items: skus.map((sku) => ({ sku, quantity: 1 })),
    ttlSeconds: 3600,
  });
  return status === 201;
}

async function stockUp(bench: BenchPlatform, skus: readonly string[], quantity: number): Promise<void> {
  for (const sku of skus) {
    const { status } = await bench.call('PUT', `/inventory/${sku}`, { quantity, reason: 'benchmark' });
    if (status !== 200 && status !== 201) throw new Error(`setting stock of ${sku} answered ${status}`);
  }
}

/**
 * Sells out SKUs of `stock` units each to concurrent multi-SKU orders asking for twice as many units:
 * no SKU may end with more reserved than its quantity, and the reserved units must be the accepted ones.
 */
async function sellOut(bench: BenchPlatform, settings: Settings, prefix: string) {
  const skus = Array.from({ length: settings.skus }, (_, i) => `${prefix}-SOLD-${i}`);
  await stockUp(bench, skus, settings.sellOutStock);
  const orders = Math.ceil((2 * settings.skus * settings.sellOutStock) / settings.lines);
  const answers = await Promise.all(
    Array.from({ length: orders }, (_, i) =>
      reserve(bench, `${prefix}-sellout-${i}`, randomOrder(skus, settings.lines)),
    ),
  );
  const accepted = answers.filter(Boolean).length;
  const { oversold } = await checkStock(bench, skus, 0, accepted * settings.lines);
  return { oversold, accepted, orders };
}

/** Counters as table cells: deadlocks, retries, lock waits (mean and most backends waiting at once). */
function counterCells(counters: Counters): (string | number)[] {
  const samples = counters.lockWaitSamples;
  const mean = samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : 0;
  return [
    counters.deadlocks,
    counters.retried,
    counters.lockTimeouts,
    `${mean.toFixed(1)} / ${Math.max(0, ...samples)}`,
  ];
}

/**
 * polyshop's rounds of random multi-SKU reservations over `skus`: each round's ids are fresh, and after
 * it the stock is checked (no SKU reserved beyond its quantity, reserved = the accepted units so far).
 */
class ReservationLedger {
  /** SKUs reserved beyond their quantity, summed over the rounds. */
  oversold = 0;
  #reserved = 0;
  #rounds = 0;

  constructor(
    private readonly bench: BenchPlatform,
    private readonly skus: readonly string[],
    private readonly settings: Settings,
    private readonly prefix: string,
  ) {}

  /** One round at `concurrency`, its load run through `wrap` (e.g. observed), then the stock checked. */
  async round(
    concurrency: number,
    wrap: (load: () => Promise<LoadResult>) => Promise<LoadResult> = (load) => load(),
  ): Promise<LoadResult> {
    const { bench, skus, settings } = this;
    const id = `${this.prefix}-${this.#rounds++}`;
    const result = await wrap(() =>
      runLoad({
        concurrency,
        durationMs: settings.durationMs,
        operation: (worker, sequence) =>
          reserve(bench, `${id}-${worker}-${sequence}`, randomOrder(skus, settings.lines)),
      }),
    );
    const checked = await checkStock(bench, skus, this.#reserved, result.ok * settings.lines);
    this.#reserved = checked.reserved;
    this.oversold += checked.oversold;
    return result;
  }
}

/** A target's result: its comparisons and table, and the oversell of its rounds and its sell-out. */
function resultOf(
  target: BenchTarget,
  settings: Settings,
  comparisons: Comparison[],
  table: ResultTable,
  oversold: number,
  sold: Awaited<ReturnType<typeof sellOut>>,
): ScenarioResult {
  return {
    scenario: SCENARIO,
    target: target.name,
    comparisons,
    tables: [table],
    checks: {
      oversold: oversold + sold.oversold,
      sellOutOrders: sold.orders,
      sellOutAccepted: sold.accepted,
      sellOutUnits: settings.skus * settings.sellOutStock,
    },
  };
}

/**
 * PostgreSQL: polyshop's multi-SKU reservations over HTTP (the adapter locks in SKU order and
 * coalesces) against the seed's `SELECT … FOR UPDATE` in random order, each round watched through
 * PostgreSQL's own counters.
 */
async function onPostgres(target: BenchTarget, settings: Settings): Promise<ScenarioResult> {
  const url = target.databaseUrl!;
  const prefix = `IC-${randomBytes(3).toString('hex').toUpperCase()}`;
  const skus = Array.from({ length: settings.skus }, (_, i) => `${prefix}-${i}`);
  const bench = await startBenchPlatform({ services: ['users', 'inventory'], databaseUrl: url });
  const watch = await PostgresWatch.open(url);
  const comparisons: Comparison[] = [];
  const table: ResultTable = {
    title: `PostgreSQL's counters (${settings.lines} SKUs per order of ${settings.skus}, summed over the rounds)`,
    columns: [
      'c',
      'who',
      'deadlocks (pg_stat_database)',
      'retried by the client',
      `lock_timeout ${LOCK_TIMEOUT}`,
      'backends waiting on a lock (mean / max)',
    ],
    rows: [],
  };
  try {
    await stockUp(bench, skus, STOCK);
    await createSeedTable(url, skus);
    const ledger = new ReservationLedger(bench, skus, settings, prefix);
    for (const concurrency of settings.concurrency) {
      const mine = emptyCounters();
      const polyshop = () => ledger.round(concurrency, (load) => watch.observe(mine, load));
      const seedRows: (string | number)[][] = [];
      for (const sorted of settings.sortedAnchor ? [false, true] : [false]) {
        const theirs = emptyCounters();
        comparisons.push(
          await compareInterleaved({
            scenario: SCENARIO,
            label: `${target.name} c=${concurrency}`,
            anchorName: `the seed's BEGIN; SELECT … FOR UPDATE (${sorted ? 'SKUs sorted' : 'random order'}); UPDATE; COMMIT, retried on deadlock`,
            rounds: settings.rounds,
            polyshop,
            anchor: () =>
              watch.observe(theirs, async () => {
                const { result, counters } = await seedRound(url, skus, settings, concurrency, sorted);
                theirs.retried += counters.retried;
                theirs.lockTimeouts += counters.lockTimeouts;
                return result;
              }),
          }),
        );
        seedRows.push([
          concurrency,
          `seed FOR UPDATE, ${sorted ? 'sorted' : 'random order'}`,
          ...counterCells(theirs),
        ]);
      }
      table.rows.push([concurrency, 'polyshop', ...counterCells(mine)], ...seedRows);
    }
    const sold = await sellOut(bench, settings, prefix);
    return resultOf(target, settings, comparisons, table, ledger.oversold, sold);
  } finally {
    await watch.close();
    await bench.close();
  }
}

/**
 * DynamoDB (moto, a stand-in: no verdict about DynamoDB itself): polyshop's multi-SKU reservations
 * over HTTP against the bare all-or-nothing write they come down to, a `TransactWriteItems` of one
 * conditional `ADD` per SKU, retried when cancelled by a conflicting transaction.
 */
async function onDynamo(target: BenchTarget, settings: Settings): Promise<ScenarioResult> {
  const endpoint = target.serverUrl!;
  const tableName = `bench-${randomBytes(4).toString('hex')}-inventory`;
  const prefix = `IC-${randomBytes(3).toString('hex').toUpperCase()}`;
  const skus = Array.from({ length: settings.skus }, (_, i) => `${prefix}-${i}`);
  const bench = await startBenchPlatform({
    services: ['users', 'inventory'],
    env: { INVENTORY_STORE: 'dynamodb', DYNAMODB_ENDPOINT: endpoint, INVENTORY_DYNAMODB_TABLE: tableName },
  });
  const connection = openDynamo({ endpoint });
  const key = (sku: string) => ({ PK: `BENCH#ANCHOR#${sku}`, SK: 'ANCHOR' });
  const comparisons: Comparison[] = [];
  const table: ResultTable = {
    title: `conflicts on DynamoDB (moto, a stand-in) (${settings.lines} SKUs per order of ${settings.skus})`,
    columns: ['c', 'who', 'transactions cancelled and retried'],
    rows: [],
  };
  try {
    await stockUp(bench, skus, STOCK);
    for (const sku of skus) {
      await connection.documents.send(
        new PutCommand({ TableName: tableName, Item: { ...key(sku), available: STOCK, reserved: 0 } }),
      );
    }
    const ledger = new ReservationLedger(bench, skus, settings, prefix);
    for (const concurrency of settings.dynamoConcurrency) {
      let conflicts = 0;
      const anchorOrder = async () => {
        const items = randomOrder(skus, settings.lines);
        for (;;) {
          try {
            await connection.documents.send(
              new TransactWriteCommand({
                TransactItems: items.map((sku) => ({
                  Update: {
                    TableName: tableName,
                    Key: key(sku),
                    UpdateExpression: 'ADD #a :minus, #r :one',
                    ConditionExpression: '#a >= :one',
                    ExpressionAttributeNames: { '#a': 'available', '#r': 'reserved' },
                    ExpressionAttributeValues: { ':one': 1, ':minus': -1 },
                  },
                })),
              }),
            );
            return true;
          } catch (error) {
            if ((error as Error).name !== 'TransactionCanceledException') throw error;
            if (!/TransactionConflict/.test((error as Error).message)) return false;
            conflicts++;
          }
        }
      };
      comparisons.push(
        await compareInterleaved({
          scenario: SCENARIO,
          label: `${target.name} c=${concurrency}`,
          anchorName: 'raw TransactWriteItems: one conditional ADD per SKU',
          rounds: settings.rounds,
          polyshop: () => ledger.round(concurrency),
          anchor: () => runLoad({ concurrency, durationMs: settings.durationMs, operation: anchorOrder }),
        }),
      );
      table.rows.push([concurrency, 'raw TransactWriteItems', conflicts]);
    }
    const sold = await sellOut(bench, settings, prefix);
    return resultOf(target, settings, comparisons, table, ledger.oversold, sold);
  } finally {
    await bench.close();
    await connection.client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    connection.close();
  }
}

/**
 * `inventory-contention`: the seed's claim that PostgreSQL inventory is a "database deadlock
 * nightmare" under "thousands of concurrent updates", measured: orders of several SKUs in random order
 * at rising concurrency, polyshop's reservations over HTTP on PostgreSQL and on DynamoDB beside the
 * seed's own `SELECT … FOR UPDATE` pattern (PostgreSQL) or the bare transaction (DynamoDB); deadlocks
 * and lock waits from PostgreSQL's own statistics; after each round, no SKU reserved beyond its
 * stock, then a sell-out of multi-SKU orders that must not oversell.
 */
async function runInventoryContention(target: BenchTarget, scale: Scale): Promise<ScenarioResult> {
  const settings = SETTINGS[scale];
  if (target.name === 'dynamodb') return onDynamo(target, settings);
  if (!target.databaseUrl) throw new Error(`${SCENARIO} needs a real PostgreSQL (its counters)`);
  return onPostgres(target, settings);
}

export const inventoryContention: Scenario = {
  name: SCENARIO,
  summary:
    "multi-SKU reservations in random order at 1-256 buyers, polyshop (PostgreSQL, DynamoDB) vs the seed's SELECT … FOR UPDATE; deadlocks, lock waits, oversell",
  targets: ['postgres', 'dynamodb'],
  run: runInventoryContention,
};
