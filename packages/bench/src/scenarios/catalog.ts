import { randomBytes } from 'node:crypto';
import { MongoClient, type Document } from 'mongodb';
import { systemClock } from '@polyshop/kernel';
import {
  loadCatalogue,
  MongoProductRepository,
  PostgresProductRepository,
  searchProductsJson,
  type ProductsModule,
} from '@polyshop/products';
import { openPostgres, type SqlDatabase } from '@polyshop/stores';
import { runHttpLoad } from '../http-load.ts';
import { startBenchPlatform, type BenchPlatform } from '../http-session.ts';
import { compareInterleaved, runLoad, type Comparison, type LoadResult } from '../measure.ts';
import { pgbench } from '../pgbench.ts';
import type { BenchTarget, ResultTable, Scenario, ScenarioResult, Scale } from '../scenario.ts';
import { explainScans } from '../sql-plan.ts';
import { RecordingDatabase } from '../statement-recorder.ts';
import { freshMongoDatabaseUrl } from '../mongo-database.ts';

/** The page measured: the largest demo category (35% of the catalogue), default sort, its facets. */
const CATEGORY = 'clothing';
const PAGE = `/products?category=${CATEGORY}`;
/**
 * The seed's own example of a JSON query that has "poor performance, no proper indexing": smartphones
 * whose main camera is 48MP and whose storage is 256GB or 512GB, with the category's facets.
 */
const SEED_QUERY = { category: 'smartphones', 'spec.camera.main': '48MP', 'attr.storage': '256GB,512GB' };
const SEED_PAGE = `/products?${new URLSearchParams(SEED_QUERY).toString()}`;
const CONCURRENCY = 16;

type RawQuery = Parameters<typeof searchProductsJson>[1];

const SETTINGS = {
  small: { products: 3000, durationMs: 500, rounds: 3 },
  full: { products: 100_000, durationMs: 5000, rounds: 5 },
} as const;

/** On the MongoDB test server an uncached page takes seconds at 100k: longer rounds, so each holds dozens. */
const MONGO_FULL = { durationMs: 30_000, rounds: 3 } as const;

/** One statement the adapter ran, with its parameters. */
interface Statement {
  text: string;
  params: readonly unknown[];
}

/** A parameter as an SQL literal (pgbench scripts take no bind values); the statement keeps its casts. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value))
    return literal(`{${value.map((item) => `"${String(item).replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  throw new Error(`cannot inline a ${typeof value} parameter into a pgbench script`);
}

/** The statements as one pgbench script, parameters inlined. */
function pgbenchScript(statements: readonly Statement[]): string {
  return statements
    .map(({ text, params }) => {
      const inlined = text.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]));
      return `${inlined.replace(/\s*\n\s*/g, ' ')};\n`;
    })
    .join('');
}

/** The SQL the PostgreSQL adapter runs for `query` (category lookup, page as JSON, facets), recorded once. */
async function recordSql(db: SqlDatabase, query: RawQuery = { category: CATEGORY }): Promise<Statement[]> {
  const recorder = new RecordingDatabase(db);
  recorder.record();
  await searchProductsJson(
    { repository: new PostgresProductRepository(recorder), clock: systemClock },
    query,
  );
  return recorder.stopRecording().flatMap((unit) => unit.statements);
}

/**
 * What the planner does with each statement of the measured page and of the seed's own example query
 * ("WHERE JSON_EXTRACT(specifications, '$.camera.main') = '48MP' AND … storage IN ('256GB', '512GB')
 * -- Poor performance, no proper indexing"): its index scans, and whether it reads the table whole.
 */
async function planTable(db: SqlDatabase): Promise<ResultTable> {
  const rows: (string | number)[][] = [];
  for (const [name, query] of [
    ['category page', { category: CATEGORY }],
    ["the seed's query", SEED_QUERY],
  ] as const) {
    const statements = await recordSql(db, query);
    for (const [i, statement] of statements.entries()) {
      const { indexes, seqScan } = await explainScans(db, statement, 'products');
      const what = /\bFROM\s+([a-z_]+\.[a-z_]+)/i.exec(statement.text)?.[1] ?? 'statement';
      rows.push([name, `${i + 1}: ${what}`, indexes.join(', ') || '—', seqScan ? 'yes' : 'no']);
    }
  }
  return {
    title: "plans of the adapter's SQL (EXPLAIN)",
    columns: ['query', 'statement: from', 'index scans', 'reads products whole'],
    rows,
  };
}

/** The commands the MongoDB adapter sends for the page, recorded by the driver's command monitoring. */
async function recordMongo(
  url: string,
  query: RawQuery,
): Promise<{ client: MongoClient; commands: Document[][] }> {
  const client = new MongoClient(url, { monitorCommands: true, ignoreUndefined: true });
  await client.connect();
  const sent: Document[] = [];
  const listener = (event: { command: Document; commandName: string }) => {
    if (event.commandName !== 'find' && event.commandName !== 'aggregate') return;
    const { lsid: _lsid, $clusterTime: _time, $db: _db, $readPreference: _pref, ...command } = event.command;
    sent.push(command);
  };
  client.on('commandStarted', listener);
  const repository = new MongoProductRepository({ client, db: client.db(), supportsTransactions: false });
  await searchProductsJson({ repository, clock: systemClock }, query);
  client.off('commandStarted', listener);
  // the category first; then the page and the facets, which the adapter sends together
  return { client, commands: [sent.slice(0, 1), sent.slice(1)] };
}

interface Listing {
  items: { id: string; name: string; version: number }[];
  facets: Record<string, unknown[]>;
}

/**
 * Correctness beside the figures: the page is full and has facets, the cached answer equals the
 * store's, and a write is seen by its writer's very next read (which would otherwise hit the cache).
 */
async function checkPage(bench: BenchPlatform): Promise<Record<string, number>> {
  const cached = (await bench.call('GET', PAGE)).body as Listing;
  const fresh = await fetch(`${bench.base}${PAGE}`, { headers: { 'cache-control': 'no-cache' } });
  const stored = (await fresh.json()) as Listing;
  const product = cached.items[0]!;
  const name = `Renamed ${randomBytes(3).toString('hex')}`;
  const patched = await fetch(`${bench.base}/products/${product.id}`, {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${bench.token}`,
      'content-type': 'application/json',
      'if-match': `"${product.version}"`,
    },
    body: JSON.stringify({ name }),
  });
  if (patched.status !== 200) throw new Error(`PATCH answered ${patched.status}: ${await patched.text()}`);
  const after = (await bench.call('GET', PAGE)).body as Listing;
  return {
    pageItems: cached.items.length,
    facetValues: Object.values(cached.facets).reduce((sum, values) => sum + values.length, 0),
    cachedDiffersFromStore: JSON.stringify(cached) === JSON.stringify(stored) ? 0 : 1,
    staleAfterOwnWrite: after.items.find((item) => item.id === product.id)?.name === name ? 0 : 1,
  };
}

/**
 * `catalog`: the category page with facets over HTTP at c=16 on a seeded catalogue — uncached
 * (`Cache-Control: no-cache`) against the adapter's own statements run raw (pgbench on PostgreSQL, an
 * in-process loop on PGlite, the official driver on MongoDB), cached against uncached, and the seed's
 * own example query (a nested spec and an attribute list, with facets) uncached against its raw
 * statements; on PostgreSQL and PGlite, the plans of both.
 */
async function runCatalog(target: BenchTarget, scale: Scale): Promise<ScenarioResult> {
  const settings = {
    ...SETTINGS[scale],
    ...(target.name === 'mongodb' && scale === 'full' ? MONGO_FULL : {}),
  };
  const mongoUrl =
    target.name === 'mongodb' ? freshMongoDatabaseUrl(target.serverUrl!, 'bench_catalog') : undefined;
  const bench = await startBenchPlatform({
    services: ['users', 'products'],
    databaseUrl: target.databaseUrl,
    env: mongoUrl ? { PRODUCT_STORE: 'mongodb', MONGODB_URL: mongoUrl } : {},
  });
  const cleanups: (() => Promise<unknown>)[] = [() => bench.close()];
  try {
    const { deps } = bench.platform.module('products') as ProductsModule;
    await loadCatalogue(deps, { products: settings.products, events: false });
    const load = (operation: () => Promise<boolean>) => () =>
      runLoad({ concurrency: CONCURRENCY, durationMs: settings.durationMs, operation });
    let rawRun: (query: RawQuery) => Promise<{ name: string; run: () => Promise<LoadResult> }>;
    const tables: ResultTable[] = [];
    if (mongoUrl) {
      rawRun = async (query) => {
        const { client, commands } = await recordMongo(mongoUrl, query);
        cleanups.push(() => client.close());
        const db = client.db();
        return {
          name: 'official driver: the adapter’s own commands (category, page, facet counts)',
          run: load(async () => {
            for (const step of commands) await Promise.all(step.map((command) => db.command(command)));
            return true;
          }),
        };
      };
      // after the platform closed: its outbox relay would write the database again
      cleanups.push(async () => {
        const client = await MongoClient.connect(mongoUrl);
        await client.db().dropDatabase();
        await client.close();
      });
    } else if (target.databaseUrl && target.pgbench) {
      const db = await openPostgres({ url: target.databaseUrl, poolSize: 2 });
      cleanups.unshift(() => db.close());
      await db.query('VACUUM ANALYZE'); // what autovacuum does after a bulk load: both sides measure the settled table
      tables.push(await planTable(db));
      const [binary, url] = [target.pgbench, target.databaseUrl];
      rawRun = async (query) => {
        const script = pgbenchScript(await recordSql(db, query));
        return {
          name: 'pgbench: the adapter’s own SQL (category, page, facets)',
          run: () =>
            pgbench({ binary, url, script, concurrency: CONCURRENCY, durationMs: settings.durationMs }),
        };
      };
    } else {
      const db = await bench.platform.postgres();
      await db.query('VACUUM ANALYZE');
      tables.push(await planTable(db));
      rawRun = async (query) => {
        const statements = await recordSql(db, query);
        return {
          name: 'raw loop: the adapter’s own SQL in this process',
          run: load(async () => {
            for (const { text, params } of statements) await db.query(text, params);
            return true;
          }),
        };
      };
    }
    // the HTTP clients run in a worker thread, off the event loop of the server they measure
    const page = (path: string, headers: Record<string, string>) => () =>
      runHttpLoad({
        url: `${bench.base}${path}`,
        headers,
        concurrency: CONCURRENCY,
        durationMs: settings.durationMs,
      });
    const noCache = { 'cache-control': 'no-cache' };
    const uncached = page(PAGE, noCache);
    const pageAnchor = await rawRun({ category: CATEGORY });
    const seedAnchor = await rawRun(SEED_QUERY);
    const comparisons: Comparison[] = [
      await compareInterleaved({
        scenario: 'catalog',
        label: `${target.name} c=${CONCURRENCY} uncached`,
        anchorName: pageAnchor.name,
        rounds: settings.rounds,
        polyshop: uncached,
        anchor: pageAnchor.run,
      }),
      await compareInterleaved({
        scenario: 'catalog',
        label: `${target.name} c=${CONCURRENCY} cached`,
        anchorName: 'the same page uncached (Cache-Control: no-cache)',
        rounds: settings.rounds,
        polyshop: page(PAGE, {}),
        anchor: uncached,
      }),
      await compareInterleaved({
        scenario: 'catalog',
        label: `${target.name} c=${CONCURRENCY} seed's query uncached`,
        anchorName: seedAnchor.name,
        rounds: settings.rounds,
        polyshop: page(SEED_PAGE, noCache),
        anchor: seedAnchor.run,
      }),
    ];
    return {
      scenario: 'catalog',
      target: target.name,
      comparisons,
      tables,
      checks: { products: settings.products, ...(await checkPage(bench)) },
    };
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

export const catalog: Scenario = {
  name: 'catalog',
  summary:
    'category page with facets over HTTP at c=16, uncached vs the adapter’s own queries, cached vs uncached; the seed’s JSON query and its plans',
  targets: ['pglite', 'postgres', 'mongodb'],
  run: runCatalog,
};
