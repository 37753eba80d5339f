import { randomBytes } from 'node:crypto';
import type { SqlDatabase } from '@polyshop/stores';
import { BARE_ROUTE_ANCHOR, startBareRoute } from '../bare-route.ts';
import { startBenchPlatform, type BenchPlatform } from '../http-session.ts';
import { runHttpLoad } from '../http-load.ts';
import { sellOut } from './reservation-calls.ts';
import { compareInterleaved, runLoad, type Comparison, type LoadResult } from '../measure.ts';
import { pgbench } from '../pgbench.ts';
import type { BenchTarget, Scenario, ScenarioResult, Scale } from '../scenario.ts';

const HOT_SKU = 'BENCH-HOT-1';
const ANCHOR_TABLE = 'bench.hot_stock';

/**
 * The adapter's own reservation statement on one row (`postgres-inventory-repository.ts`), as a raw
 * anchor: one conditional UPDATE per unit, nothing else.
 */
const CONDITIONAL_UPDATE = `UPDATE ${ANCHOR_TABLE} SET reserved = reserved + 1, version = version + 1, updated_at = now()
  WHERE sku = '${HOT_SKU}' AND quantity - reserved >= 1 RETURNING sku, quantity, reserved, version`;

/** The seed's pattern ("Lock contention at scale"): read the row FOR UPDATE, then update it. */
const SEED_FOR_UPDATE = `BEGIN;
SELECT quantity, reserved FROM ${ANCHOR_TABLE} WHERE sku = '${HOT_SKU}' FOR UPDATE;
UPDATE ${ANCHOR_TABLE} SET reserved = reserved + 1, version = version + 1, updated_at = now() WHERE sku = '${HOT_SKU}';
COMMIT;
`;

const SETTINGS = {
  small: { concurrency: [1, 16], durationMs: 500, rounds: 3, sellOut: 100 },
  full: { concurrency: [1, 16, 64], durationMs: 5000, rounds: 5, sellOut: 1000 },
} as const;

async function createAnchorTable(db: SqlDatabase): Promise<void> {
  await db.query('CREATE SCHEMA IF NOT EXISTS bench');
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${ANCHOR_TABLE} (sku text PRIMARY KEY, quantity integer NOT NULL,
     reserved integer NOT NULL, version integer NOT NULL, updated_at timestamptz NOT NULL)`,
  );
  await db.query(
    `INSERT INTO ${ANCHOR_TABLE} VALUES ($1, 1000000000, 0, 1, now())
     ON CONFLICT (sku) DO UPDATE SET quantity = 1000000000, reserved = 0`,
    [HOT_SKU],
  );
}

/** Deadlocks the database has detected (PostgreSQL's own count; the benchmark's database is fresh). */
async function deadlocks(db: SqlDatabase): Promise<number> {
  const [row] = await db.query<{ deadlocks: string }>(
    'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(row?.deadlocks ?? 0);
}

async function setStock(bench: BenchPlatform, sku: string, quantity: number): Promise<void> {
  const { status } = await bench.call('PUT', `/inventory/${sku}`, { quantity, reason: 'benchmark' });
  if (status !== 200 && status !== 201) throw new Error(`setting stock of ${sku} answered ${status}`);
}

/**
 * polyshop against the bare route (`startBareRoute`): the same conditional UPDATE behind a Fastify
 * route, the same requests, no authentication, validation or events.
 */
async function againstBareRoute(
  databaseUrl: string,
  label: string,
  rounds: number,
  polyshop: () => Promise<LoadResult>,
  reserve: (url: string) => () => Promise<LoadResult>,
): Promise<Comparison> {
  const bare = await startBareRoute({ databaseUrl, sql: CONDITIONAL_UPDATE, poolSize: 4 });
  try {
    return await compareInterleaved({
      scenario: 'hot-sku',
      label,
      anchorName: BARE_ROUTE_ANCHOR,
      rounds,
      polyshop,
      anchor: reserve(bare.url),
    });
  } finally {
    await bare.close();
  }
}

/**
 * `hot-sku`: 1-unit reservations on one SKU through the HTTP API at each concurrency (the clients in a
 * worker thread, as a load tool would be), against the raw
 * conditional UPDATE the adapter itself runs (pgbench on PostgreSQL, an in-process loop on PGlite) and,
 * on PostgreSQL, the seed's `SELECT … FOR UPDATE` pattern; then a sell-out that must not oversell.
 */
async function runHotSku(target: BenchTarget, scale: Scale): Promise<ScenarioResult> {
  const settings = SETTINGS[scale];
  const bench = await startBenchPlatform({
    services: ['users', 'inventory'],
    databaseUrl: target.databaseUrl,
  });
  const comparisons: Comparison[] = [];
  try {
    const db = await bench.platform.postgres();
    await createAnchorTable(db);
    await setStock(bench, HOT_SKU, 1_000_000_000);
    let round = 0;
    for (const concurrency of settings.concurrency) {
      const reserve =
        (url: string, durationMs: number = settings.durationMs) =>
        () => {
          const prefix = `hot-${round++}-${randomBytes(3).toString('hex')}`;
          return runHttpLoad({
            url,
            method: 'POST',
            headers: { authorization: `Bearer ${bench.token}` },
            body: JSON.stringify({
              reservationId: `${prefix}-{{request}}`,
              items: [{ sku: HOT_SKU, quantity: 1 }],
              ttlSeconds: 3600,
            }),
            concurrency,
            durationMs,
          });
        };
      const polyshop = reserve(`${bench.base}/inventory/reservations`);
      // Unmeasured, at each new concurrency: the pool opens the connections the level needs and
      // prepares its statements on them (one-time costs the first round would otherwise carry alone;
      // pgbench connects anew every round, before its clock starts).
      await reserve(`${bench.base}/inventory/reservations`, Math.min(1000, settings.durationMs))();
      const label = `${target.name} c=${concurrency}`;
      if (target.pgbench && target.databaseUrl) {
        const [binary, url] = [target.pgbench, target.databaseUrl];
        const viaPgbench = (script: string) => () =>
          pgbench({ binary, url, script: `${script}\n`, concurrency, durationMs: settings.durationMs });
        comparisons.push(
          await compareInterleaved({
            scenario: 'hot-sku',
            label,
            anchorName: 'pgbench: the same conditional UPDATE',
            rounds: settings.rounds,
            polyshop,
            anchor: viaPgbench(`${CONDITIONAL_UPDATE};`),
          }),
          await compareInterleaved({
            scenario: 'hot-sku',
            label,
            anchorName: "pgbench: the seed's SELECT … FOR UPDATE",
            rounds: settings.rounds,
            polyshop,
            anchor: viaPgbench(SEED_FOR_UPDATE),
          }),
        );
        // One at a time, a reservation waits for each step in turn: the floor that HTTP and Node put
        // in front of the statement is measured too, as a route that does nothing else.
        if (concurrency === 1)
          comparisons.push(await againstBareRoute(url, label, settings.rounds, polyshop, reserve));
      } else {
        comparisons.push(
          await compareInterleaved({
            scenario: 'hot-sku',
            label,
            anchorName: 'raw loop: the same conditional UPDATE in this process',
            rounds: settings.rounds,
            polyshop,
            anchor: () =>
              runLoad({
                concurrency,
                durationMs: settings.durationMs,
                operation: async () => (await db.query(CONDITIONAL_UPDATE)).length === 1,
              }),
          }),
        );
      }
    }
    const sellOutSku = `BENCH-SELLOUT-${randomBytes(4).toString('hex')}`;
    await setStock(bench, sellOutSku, settings.sellOut);
    const { oversold, accepted } = await sellOut(bench, sellOutSku, settings.sellOut);
    return {
      scenario: 'hot-sku',
      target: target.name,
      comparisons,
      checks: {
        oversold,
        deadlocks: await deadlocks(db),
        sellOutAccepted: accepted,
        sellOutUnits: settings.sellOut,
      },
    };
  } finally {
    await bench.close();
  }
}

export const hotSku: Scenario = {
  name: 'hot-sku',
  summary:
    '1-unit reservations on one SKU over HTTP vs the same conditional UPDATE (the seed FOR UPDATE; at c=1 a bare route)',
  targets: ['pglite', 'postgres'],
  run: runHotSku,
};
