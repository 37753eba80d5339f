import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { setStock } from '@polyshop/inventory';
import { MigrationEngine, MigrationStateStore, type MigrationSide } from '@polyshop/migration';
import { scanAll } from '@polyshop/migration/testing';
import type { NotificationRecord } from '@polyshop/notifications';
import { createMigrationSides, type MigrationSideCatalog } from '@polyshop/platform/testing';
import { loadCatalogue } from '@polyshop/products';
import {
  openDynamo,
  openMongo,
  openOpenSearch,
  type DynamoConnection,
  type MongoConnection,
  type OpenSearchConnection,
} from '@polyshop/stores';
import { testServerUrl } from '@polyshop/testing';
import { runHttpLoad } from '../http-load.ts';
import { startBenchPlatform, type BenchPlatform } from '../http-session.ts';
import { compareInterleaved, quantile, type Comparison, type LoadResult } from '../measure.ts';
import {
  dynamoBulkLoader,
  mongoBulkLoader,
  openSearchBulkLoader,
  type RawBulkLoader,
  type RawDocument,
} from '../raw-bulk-load.ts';
import type { BenchTarget, Scenario, ScenarioResult, Scale } from '../scenario.ts';

/** The `polyshop` command's entry (TypeScript, run through tsx as `bin/polyshop.mjs` does), and its package. */
const PLATFORM_INDEX = import.meta.resolve('@polyshop/platform');
const CLI_MAIN = fileURLToPath(new URL('./cli/main.ts', PLATFORM_INDEX));
const PLATFORM_DIR = fileURLToPath(new URL('../', PLATFORM_INDEX));

/** Records per backfill batch: `polyshop migrate-store`'s default `--batch-size`. */
const BATCH_SIZE = 500;
/** Clients of the live load (reads of the moving service over HTTP). */
const LIVE_CONCURRENCY = 4;

const SETTINGS = {
  /** Products, SKUs and notifications seeded (each service's records: N and what follows from them). */
  // cliRounds: rounds of the live reads beside `polyshop migrate-store`, each starting the command
  // afresh (about 4 s of start-up on a loaded machine; at small scale, one round says it works)
  small: { records: 20, rounds: 3, cliRounds: 1 },
  full: { records: 2000, rounds: 5, cliRounds: 5 },
} as const;

const began = performance.now();
/** A line on stderr of where the run is (a full run takes minutes). */
function note(line: string): void {
  process.stderr.write(`migration +${((performance.now() - began) / 1000).toFixed(0)}s ${line}\n`);
}

/** Measures this process's event-loop delay (the server's, which answers the live reads) until `stop`, which says its max. */
function eventLoopDelay(): { stop(): string } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      return `server's event loop delay max ${(histogram.max / 1e6).toFixed(0)} ms`;
    },
  };
}

/** The goals: a backfill at least half the raw bulk rate; live p99 during it at most twice. */
const RATE_GOAL = { ratio: 0.5, is: 'at least' } as const;
const P99_GOAL = { ratio: 2, is: 'at most' } as const;

/** The target stores' test servers, and the connections the benchmark opened on them. */
interface Stores {
  mongo?: MongoConnection;
  dynamo?: DynamoConnection;
  openSearch?: OpenSearchConnection;
  /** The platform's store variables (fresh database, table and index prefix for this run). */
  env: Record<string, string>;
}

/** One movable service: where it moves, the raw bulk write of that store, and a live read of it. */
interface MovingService {
  service: 'products' | 'inventory' | 'notifications' | 'search';
  store: 'mongodb' | 'dynamodb' | 'opensearch';
  loader(stores: Stores): RawBulkLoader | undefined;
  /** The path a live client reads (the service's own store answers it). */
  livePath(seeded: Seeded): string;
}

const MOVING: readonly MovingService[] = [
  {
    service: 'products',
    store: 'mongodb',
    loader: ({ mongo }) => mongo && mongoBulkLoader(mongo),
    livePath: ({ productId }) => `/products/${productId}`,
  },
  {
    service: 'inventory',
    store: 'dynamodb',
    loader: ({ dynamo }) => dynamo && dynamoBulkLoader(dynamo),
    livePath: ({ sku }) => `/inventory/${sku}`,
  },
  {
    service: 'notifications',
    store: 'mongodb',
    loader: ({ mongo }) => mongo && mongoBulkLoader(mongo),
    livePath: ({ notificationId }) => `/notifications/${notificationId}`,
  },
  {
    service: 'search',
    store: 'opensearch',
    loader: ({ openSearch }) => openSearch && openSearchBulkLoader(openSearch),
    livePath: () => '/search/products?q=smartphone',
  },
];

/** Opens the test servers that are there (a missing one skips its services; under CI=true it fails). */
async function openStores(): Promise<Stores> {
  const run = randomBytes(4).toString('hex');
  const stores: Stores = { env: {} };
  const mongoUrl = testServerUrl('POLYSHOP_TEST_MONGODB_URL');
  if (mongoUrl) {
    const database = `bench_migration_${run}`;
    const url = new URL(mongoUrl);
    url.pathname = `/${database}`;
    stores.mongo = await openMongo({ url: mongoUrl, database });
    stores.env.MONGODB_URL = url.toString();
  }
  const endpoint = testServerUrl('POLYSHOP_TEST_DYNAMODB_ENDPOINT');
  if (endpoint) {
    stores.dynamo = openDynamo({ endpoint });
    stores.env.DYNAMODB_ENDPOINT = endpoint;
    stores.env.INVENTORY_DYNAMODB_TABLE = `bench-migration-${run}-inventory`;
  }
  const openSearchUrl = testServerUrl('POLYSHOP_TEST_OPENSEARCH_URL');
  if (openSearchUrl) {
    stores.openSearch = openOpenSearch({ url: openSearchUrl });
    stores.env.OPENSEARCH_URL = openSearchUrl;
    stores.env.SEARCH_OPENSEARCH_INDEX_PREFIX = `bench-migration-${run}`;
  }
  return stores;
}

async function closeStores(stores: Stores): Promise<void> {
  if (stores.mongo) {
    await stores.mongo.db.dropDatabase().catch(() => undefined);
    await stores.mongo.close();
  }
  if (stores.dynamo) {
    const table = stores.env.INVENTORY_DYNAMODB_TABLE;
    await stores.dynamo.client.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    stores.dynamo.close();
  }
  if (stores.openSearch) {
    const prefix = stores.env.SEARCH_OPENSEARCH_INDEX_PREFIX;
    await stores.openSearch.client.indices.delete({ index: `${prefix}-*` }).catch(() => undefined);
    await stores.openSearch.close();
  }
}

/** What the seeding made that the live reads ask for. */
interface Seeded {
  productId: string;
  sku: string;
  notificationId: string;
}

/** Runs `task(0) … task(count - 1)`, `concurrency` at a time. */
async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<unknown>) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** A delivered order confirmation (nothing left for the delivery worker to claim). */
function deliveredNotification(i: number, at: string): NotificationRecord {
  const email = `shopper-${i}@polyshop.test`;
  const orderNumber = `PS-${String(i).padStart(6, '0')}`;
  const content = {
    subject: `Order Confirmed - ${orderNumber}`,
    body: `Dear shopper, ${orderNumber} is confirmed.`,
  };
  return {
    id: randomUUID(),
    type: 'order_confirmation',
    status: 'sent',
    recipient: {
      userId: `user-${i}`,
      email,
      phone: null,
      preferences: { email: true, sms: false, push: false },
    },
    template: {
      subject: 'Order Confirmed - #{orderNumber}',
      body: 'Dear shopper, #{orderNumber} is confirmed.',
      variables: { orderNumber },
      versions: { email: 1 },
    },
    channels: [
      {
        type: 'email',
        status: 'sent',
        to: email,
        templateVersion: 1,
        content,
        attempts: 1,
        nextAttemptAt: null,
        sentAt: at,
        messageId: `bench-${i}`,
        deliveryStatus: 'accepted',
        error: null,
        reason: null,
      },
    ],
    metadata: { campaign: 'order_lifecycle', priority: 'normal', retryCount: 0 },
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * `records` of each service on PostgreSQL, generated in code through each service's own code: the
 * demo catalogue (products, no events) and its search index (a reindex), stock set for `records`
 * SKUs (a stock level and a history entry each), and `records` delivered notifications (written
 * into PostgreSQL by the service's migration side).
 */
async function seed(
  bench: BenchPlatform,
  records: number,
  notificationsSide: MigrationSide,
): Promise<Seeded> {
  const products = bench.platform.module('products');
  const search = bench.platform.module('search');
  const inventory = bench.platform.module('inventory');
  if (!products || !search?.client || !inventory) {
    throw new Error('the migration benchmark needs products, search, inventory and notifications');
  }
  // small batches: on PGlite a long transaction holds up the routers' reads of the control store
  note(`seeding ${records} records per service`);
  await loadCatalogue(products.deps, { products: records, seed: 42, events: false, batchSize: 100 });
  await search.client.reindex({});
  const skus = Array.from({ length: records }, (_, i) => `BENCH-MOVE-${String(i).padStart(6, '0')}`);
  await inParallel(records, 2, (i) =>
    setStock(inventory.deps, { sku: skus[i]!, quantity: 100 + i, reason: 'benchmark', actor: 'bench' }),
  );
  // straight into the source side (a write by version, no events): through the service, 1,000
  // creates on PGlite starve the routers' heartbeats past their fence on a loaded machine
  const at = new Date().toISOString();
  const delivered = Array.from({ length: records }, (_, i) => deliveredNotification(i, at));
  for (let i = 0; i < delivered.length; i += BATCH_SIZE) {
    await notificationsSide.upsertIfNewer(
      'records',
      delivered.slice(i, i + BATCH_SIZE).map((record) => ({ key: record.id, version: 1, body: record })),
    );
  }
  note('seeded');
  const page = await bench.call('GET', '/products?limit=1');
  const productId = (page.body as { items: { id: string }[] }).items[0]?.id;
  if (!productId) throw new Error(`no product to read: ${JSON.stringify(page.body)}`);
  return { productId, sku: skus[0]!, notificationId: delivered[0]!.id };
}

/** Every record of the service on its source side, as the raw anchor writes them. */
async function sourceDocuments(source: MigrationSide): Promise<RawDocument[]> {
  const documents: RawDocument[] = [];
  for (const kind of source.kinds) {
    for (const record of await scanAll(source, kind, BATCH_SIZE)) {
      const canonical = JSON.parse(JSON.stringify(source.canonical(kind, record.body))) as unknown;
      documents.push({ kind, key: record.key, version: record.version, canonical });
    }
  }
  return documents;
}

/**
 * One backfill of `service`, as `polyshop migrate-store` runs it: the migration started (dual-write)
 * and advanced to backfill; then `engine.runBackfill` is timed (records per second, each batch's
 * latency), while `during` runs beside it; then the migration is rolled back and the target emptied.
 */
async function oneBackfill(
  engine: MigrationEngine,
  catalog: MigrationSideCatalog,
  moving: MovingService,
  during?: (backfill: Promise<unknown>) => Promise<LoadResult>,
): Promise<{ backfill: LoadResult; live?: LoadResult; ms: number }> {
  const { service, store } = moving;
  const migration = await engine.start(service, 'postgres', store);
  try {
    await engine.advance(service, 'dual-write');
    const sides = await catalog.sidesOf(migration);
    const latencies: number[] = [];
    const delay = eventLoopDelay();
    let last = performance.now();
    const started = last;
    const backfill = engine.runBackfill({
      service,
      sides,
      batchSize: BATCH_SIZE,
      onProgress: () => {
        const now = performance.now();
        latencies.push(now - last);
        last = now;
      },
    });
    // its end, not the live load's (whose requests in hand finish after it)
    const ended = backfill.then(() => performance.now());
    const live = during ? await during(backfill) : undefined;
    const result = await backfill;
    const ms = (await ended) - started;
    const delayed = delay.stop();
    if (!result.completed) throw new Error(`the backfill of ${service} stopped: ${result.stopped}`);
    const records = result.copied + result.skipped;
    note(
      `${service} → ${store}: backfill of ${records} records in ${(ms / 1000).toFixed(1)} s${live ? ' (live load beside it)' : ''}, ${delayed}`,
    );
    return {
      backfill: {
        perSecond: records / (ms / 1000),
        ok: records,
        failed: 0,
        p50Ms: quantile(latencies, 0.5),
        p99Ms: quantile(latencies, 0.99),
      },
      ...(live ? { live } : {}),
      ms,
    };
  } finally {
    await endRound(engine, catalog, moving);
  }
}

/** After a round: the migration rolled back, and what the backfill wrote dropped, so that the next round copies every record again. */
async function endRound(engine: MigrationEngine, catalog: MigrationSideCatalog, moving: MovingService) {
  await engine.rollback(moving.service);
  await (await catalog.side(moving.service, moving.store)).drop();
}

/**
 * The variables `polyshop migrate-store` runs with beside the benchmark's platform: the same PostgreSQL
 * (source and control store) and target stores, nothing else of the platform's.
 */
function cliEnvironment(databaseUrl: string, stores: Stores): Record<string, string> {
  const { PATH = '', HOME, TMPDIR } = process.env;
  return {
    PATH,
    ...(HOME ? { HOME } : {}),
    ...(TMPDIR ? { TMPDIR } : {}),
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    ...stores.env,
  };
}

/**
 * One backfill of `service` as an operator runs it: `polyshop migrate-store <service> --to <store>
 * --phase verify --batch-size 500`, the real command in a process of its own (its own connections),
 * beside the platform serving in this process. It starts the migration, advances to backfill, runs it
 * and advances to verify; `during` runs from its line announcing the backfill phase until its line
 * saying the backfill is complete. Then the migration is rolled back and the target emptied.
 */
async function oneCliBackfill(
  engine: MigrationEngine,
  catalog: MigrationSideCatalog,
  moving: MovingService,
  env: Record<string, string>,
  during: (backfill: Promise<unknown>) => Promise<LoadResult>,
): Promise<{ live: LoadResult; ms: number }> {
  const { service, store } = moving;
  const args = [
    'migrate-store',
    service,
    '--to',
    store,
    '--phase',
    'verify',
    '--batch-size',
    `${BATCH_SIZE}`,
  ];
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], { cwd: PLATFORM_DIR, env });
  const output: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const waiting: { pattern: RegExp; resolve: (at: { at: number; line: string }) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    output.push(line);
    for (const wait of waiting) if (wait.pattern.test(line)) wait.resolve({ at: performance.now(), line });
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const failed = (code: number | null) =>
    new Error(`polyshop ${args.join(' ')} exited ${code}:\n${output.join('\n')}`);
  /** When the command prints a line matching `pattern`; rejected if it ends without one. */
  const printed = (pattern: RegExp) =>
    new Promise<{ at: number; line: string }>((resolve, reject) => {
      waiting.push({ pattern, resolve });
      void closed.then((code) => reject(failed(code)));
    });
  const started = printed(new RegExp(`^${service}: backfill \\(epoch`));
  const ended = printed(new RegExp(`^${service}: backfill complete`));
  ended.catch(() => undefined);
  try {
    const from = (await started).at;
    const delay = eventLoopDelay();
    const live = await during(ended);
    const { at, line } = await ended;
    const delayed = delay.stop();
    const code = await closed;
    if (code !== 0) throw failed(code);
    note(`${line} (own process, live load beside it), ${delayed}`);
    return { live, ms: at - from };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await closed;
    await endRound(engine, catalog, moving);
  }
}

/**
 * `migration`: per movable service (products → MongoDB, inventory → DynamoDB, notifications →
 * MongoDB, search → OpenSearch), from the platform's PostgreSQL holding `records` of each:
 *
 * - the backfill's rate (`MigrationEngine.runBackfill`, batches of 500, as `polyshop migrate-store`
 *   runs it: scan the source, write by version to the target, checkpoint) against the target store's
 *   raw bulk write of the same records' canonical documents, in the same batches, into a fresh
 *   collection, table or index (MongoDB `insertMany`, DynamoDB `BatchWriteItem`, OpenSearch `_bulk`);
 * - a live read of the service over HTTP (c=4, `LIVE_CONCURRENCY`) while a backfill runs, against the
 *   same load for as long without a migration: p50 and p99, the ratio of the p99s. Twice: the backfill
 *   in this process, the platform's (`runBackfill`, its batches' synchronous work on the server's event
 *   loop), and from `polyshop migrate-store` in a process of its own, as an operator runs it.
 *
 * Each in interleaved rounds; each backfill round starts the migration afresh on an emptied target.
 * `POLYSHOP_BENCH_MIGRATION_SERVICES=products,search` measures only those (e.g. under a profiler).
 */
async function runMigration(target: BenchTarget, scale: Scale): Promise<ScenarioResult> {
  const settings = SETTINGS[scale];
  // the command runs in its own process: only a PostgreSQL server, not one process's PGlite, is shared
  if (!target.databaseUrl) throw new Error('the migration benchmark runs on target postgres only');
  const stores = await openStores();
  const cliEnv = cliEnvironment(target.databaseUrl, stores);
  const only = process.env.POLYSHOP_BENCH_MIGRATION_SERVICES?.split(',');
  const moving = MOVING.filter((m) => m.loader(stores) && (!only || only.includes(m.service)));
  const bench = await startBenchPlatform({
    services: ['users', 'products', 'inventory', 'notifications', 'search'],
    databaseUrl: target.databaseUrl,
    env: stores.env,
  });
  const comparisons: Comparison[] = [];
  const checks: Record<string, number> = {};
  try {
    const db = await bench.platform.postgres();
    const engine = new MigrationEngine({ state: new MigrationStateStore(db), pollMs: 20 });
    const catalog = createMigrationSides({
      postgres: () => bench.platform.postgres(),
      mongodb: async () => stores.mongo!,
      ...(stores.dynamo ? { dynamodb: () => stores.dynamo! } : {}),
      ...(stores.openSearch ? { opensearch: () => stores.openSearch! } : {}),
      env: stores.env,
    });
    const seeded = await seed(bench, settings.records, await catalog.side('notifications', 'postgres'));
    for (const service of moving) {
      const documents = await sourceDocuments(await catalog.side(service.service, 'postgres'));
      checks[`${service.service}Records`] = documents.length;
      const loader = service.loader(stores)!;
      const label = `${service.service} → ${service.store}`;
      comparisons.push(
        await compareInterleaved({
          scenario: 'migration',
          label,
          anchorName: `${loader.name}, same documents and batches`,
          rounds: settings.rounds,
          goal: RATE_GOAL,
          polyshop: async () => (await oneBackfill(engine, catalog, service)).backfill,
          anchor: async () => {
            const raw = await loader.load(documents, BATCH_SIZE);
            note(`${label}: ${loader.name} of ${raw.ok} documents at ${raw.perSecond.toFixed(0)}/s`);
            return raw;
          },
        }),
      );
      const url = `${bench.base}${service.livePath(seeded)}`;
      const headers = { authorization: `Bearer ${bench.token}` };
      /** The live reads during a backfill run by `round`, against the same reads for as long without a migration. */
      const liveDuring = (
        how: string,
        rounds: number,
        round: (during: (backfill: Promise<unknown>) => Promise<LoadResult>) => Promise<{
          live?: LoadResult;
          ms: number;
        }>,
      ) => {
        let lastMs = 0;
        return compareInterleaved({
          scenario: 'migration',
          label: `${service.service} live c=${LIVE_CONCURRENCY}, backfill ${how}`,
          anchorName: 'same reads, no migration',
          rounds,
          metric: 'p99',
          goal: P99_GOAL,
          polyshop: async () => {
            const { live, ms } = await round((backfill) =>
              runHttpLoad({
                url,
                headers,
                concurrency: LIVE_CONCURRENCY,
                durationMs: 600_000,
                until: backfill,
              }),
            );
            lastMs = ms;
            return live!;
          },
          anchor: async () => {
            const durationMs = Math.max(lastMs, 200);
            const delay = eventLoopDelay();
            const result = await runHttpLoad({ url, headers, concurrency: LIVE_CONCURRENCY, durationMs });
            note(
              `${service.service}: same reads for ${(durationMs / 1000).toFixed(1)} s, no migration, ${delay.stop()}`,
            );
            return result;
          },
        });
      };
      const inProcess = await liveDuring("in the server's process", settings.rounds, (during) =>
        oneBackfill(engine, catalog, service, during),
      );
      comparisons.push(inProcess);
      // reads that were not answered 2xx (in the median rounds), during the backfill and without
      checks[`${service.service}LiveFailed`] = inProcess.polyshop.failed + inProcess.anchor.failed;
      const fromCli = await liveDuring(
        'from `polyshop migrate-store` (own process)',
        settings.cliRounds,
        (during) => oneCliBackfill(engine, catalog, service, cliEnv, during),
      );
      comparisons.push(fromCli);
      checks[`${service.service}CliLiveFailed`] = fromCli.polyshop.failed + fromCli.anchor.failed;
    }
    return { scenario: 'migration', target: target.name, comparisons, checks };
  } finally {
    await bench.close();
    await closeStores(stores);
  }
}

export const migration: Scenario = {
  name: 'migration',
  summary:
    'backfill rate per movable service vs the target store’s raw bulk write (insertMany, BatchWriteItem, _bulk); live p50/p99 during a backfill vs without',
  targets: ['postgres'],
  run: runMigration,
};
