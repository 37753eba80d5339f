import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { generateProducts, loadCatalogue, type ProductsModule } from '@polyshop/products';
import { openPostgres, type SqlDatabase } from '@polyshop/stores';
import { jsonClient } from '../http-client.ts';
import { startBenchPlatform, type BenchPlatform } from '../http-session.ts';
import { quantile, type Comparison, type LoadResult } from '../measure.ts';
import type { BenchTarget, Scenario, ScenarioResult, Scale } from '../scenario.ts';
import { freshMongoDatabaseUrl } from '../mongo-database.ts';

/**
 * The seed's product claim ("Nightmare: Adding new product attributes requires schema changes";
 * "ALTER TABLE products ADD COLUMN battery_capacity VARCHAR(50);"): an attribute added to a category
 * of many products while writers update them. polyshop adds it as data (a category definition change
 * through the products API, on PostgreSQL JSONB or MongoDB); for contrast, the seed's
 * column-per-attribute table on PostgreSQL gets `ALTER TABLE … ADD COLUMN`, without a default
 * (metadata only) and with a volatile default (the table rewritten).
 */
const CATEGORY = 'clothing';
const WRITERS = 4;
/** Products each writer updates in turn (its own: no two writers touch one product). */
const PER_WRITER = 25;
/** Products the bench tags with the new attribute right after the change; the filter must return them. */
const PROBES = 5;
/** Longest wait for the new attribute to become filterable before the run fails. */
const FILTERABLE_TIMEOUT_MS = 120_000;

const SETTINGS = {
  small: { inCategory: 1000, baselineMs: 600, afterMs: 300 },
  full: { inCategory: 30_000, baselineMs: 5000, afterMs: 2000 },
} as const;

const began = performance.now();
function note(line: string): void {
  process.stderr.write(`schema-change +${((performance.now() - began) / 1000).toFixed(0)}s ${line}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many demo products (seed 42) hold `inCategory` of the category: the catalogue loaded. */
function catalogueSize(inCategory: number): number {
  let seen = 0;
  for (let offset = 0; ; offset += 1000) {
    const chunk = generateProducts(42, 1000, offset);
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i]!.category === CATEGORY && ++seen === inCategory) return offset + i + 1;
    }
  }
}

/** One write as the writers saw it. */
interface Write {
  start: number;
  end: number;
  ok: boolean;
}

/** A write loop's step: resolves true when the write was acknowledged. */
type WriteStep = (writer: number, sequence: number) => Promise<boolean>;

/** What one schema change under writes measured. */
interface ChangeRun {
  before: LoadResult;
  during: LoadResult;
  maxBeforeMs: number;
  maxDuringMs: number;
  changeMs: number;
  /** Of `filterableMs`, the time taken to write the attribute on the products the filter must return. */
  tagMs: number;
  filterableMs: number;
  failed: number;
  firstError?: string;
}

function summary(writes: readonly Write[], seconds: number): LoadResult {
  const latencies = writes.map((w) => w.end - w.start);
  const ok = writes.filter((w) => w.ok).length;
  return {
    perSecond: seconds > 0 ? ok / seconds : 0,
    ok,
    failed: writes.length - ok,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  };
}

/**
 * Runs `WRITERS` write loops; after `baselineMs` makes the change, then waits until `filterable()`
 * says yes (polled), lets the writers run `afterMs` more and stops them. Writes that ended before
 * the change are the baseline; those overlapping the change (started before it ended, ended after it
 * began) are the ones it could block.
 */
async function underWrites(options: {
  write: WriteStep;
  baselineMs: number;
  afterMs: number;
  change: () => Promise<void>;
  /** Writes the new attribute on the products the filter must then return (after the change's clock stops). */
  tag: () => Promise<void>;
  filterable: () => Promise<boolean>;
}): Promise<ChangeRun> {
  const writes: Write[] = [];
  let stop = false;
  let firstError: string | undefined;
  const loop = async (writer: number) => {
    for (let sequence = 0; !stop; sequence++) {
      const start = performance.now();
      const ok = await options.write(writer, sequence).catch((error: unknown) => {
        firstError ??= error instanceof Error ? error.message : String(error);
        return false;
      });
      writes.push({ start, end: performance.now(), ok });
      // PGlite answers in this process, through microtasks only: let timers (the change) run
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const loops = Array.from({ length: WRITERS }, (_, writer) => loop(writer));
  const started = performance.now();
  await sleep(options.baselineMs);
  const changeStart = performance.now();
  await options.change();
  const changeEnd = performance.now();
  await options.tag();
  const tagged = performance.now();
  let filterableAt: number | undefined;
  while (filterableAt === undefined && performance.now() - changeStart < FILTERABLE_TIMEOUT_MS) {
    if (await options.filterable()) filterableAt = performance.now();
    else await sleep(20);
  }
  await sleep(options.afterMs);
  stop = true;
  await Promise.all(loops);
  if (filterableAt === undefined) {
    throw new Error(
      `the new attribute was not filterable ${FILTERABLE_TIMEOUT_MS / 1000} s after the change`,
    );
  }
  const before = writes.filter((w) => w.end < changeStart);
  const during = writes.filter((w) => w.start < changeEnd && w.end > changeStart);
  const failed = writes.filter((w) => !w.ok).length;
  return {
    before: summary(before, (changeStart - started) / 1000),
    during: summary(during, (Math.max(changeEnd, ...during.map((w) => w.end)) - changeStart) / 1000),
    maxBeforeMs: Math.max(0, ...before.map((w) => w.end - w.start)),
    maxDuringMs: Math.max(0, ...during.map((w) => w.end - w.start)),
    changeMs: changeEnd - changeStart,
    tagMs: tagged - changeEnd,
    filterableMs: filterableAt - changeStart,
    failed,
    ...(firstError ? { firstError } : {}),
  };
}

/** What each written product must read back as once the writers stopped: its last acknowledged write. */
type Acknowledged = Map<string, { name: string; version: number; tagged: boolean }>;

interface Listed {
  items: { id: string; version: number; name: string; attributes?: Record<string, unknown> }[];
  nextCursor: string | null;
}

/**
 * polyshop's way: the category gains `ecoScore` (an optional enum facet) by `PATCH
 * /products/categories/clothing` while writers `PATCH /products/:id` (If-Match) their own products,
 * tagging them `ecoScore=B` once the change is in; the bench tags `PROBES` products `A` and polls
 * `GET /products?category=clothing&attr.ecoScore=A` (uncached) until it lists exactly them.
 */
async function polyshopChange(
  bench: BenchPlatform,
  settings: (typeof SETTINGS)[Scale],
): Promise<{ run: ChangeRun; lost: number }> {
  const client = jsonClient(bench.base);
  const auth = { authorization: `Bearer ${bench.token}` };
  try {
    const products: Listed['items'] = [];
    let cursor: string | null = null;
    while (products.length < WRITERS * PER_WRITER + PROBES) {
      const page = (await bench.call(
        'GET',
        `/products?category=${CATEGORY}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      )) as { status: number; body: Listed };
      if (page.status !== 200) throw new Error(`listing answered ${page.status}`);
      products.push(...page.body.items);
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    const probes = products.slice(0, PROBES);
    const owned = products.slice(PROBES, PROBES + WRITERS * PER_WRITER);
    const acknowledged: Acknowledged = new Map(
      owned.map((p) => [p.id, { name: p.name, version: p.version, tagged: false }]),
    );
    let changed = false;
    const write: WriteStep = async (writer, sequence) => {
      const product = owned[writer * PER_WRITER + (sequence % PER_WRITER)]!;
      const known = acknowledged.get(product.id)!;
      const tag = changed;
      const name = `Bench ${writer}-${sequence}`;
      const { status, body } = await client.send(
        'PATCH',
        `/products/${product.id}`,
        { name, ...(tag ? { attributes: { ecoScore: 'B' } } : {}) },
        { ...auth, 'if-match': `"${known.version}"` },
      );
      if (status !== 200) throw new Error(`PATCH answered ${status}: ${JSON.stringify(body)}`);
      const version = (body as { version: number }).version;
      acknowledged.set(product.id, { name, version, tagged: known.tagged || tag });
      return true;
    };
    const expected = probes.map((p) => p.id).sort();
    const run = await underWrites({
      write,
      baselineMs: settings.baselineMs,
      afterMs: settings.afterMs,
      change: async () => {
        const { status, body } = await client.send(
          'PATCH',
          `/products/categories/${CATEGORY}`,
          { attributes: [{ name: 'ecoScore', type: 'enum', values: ['A', 'B', 'C'], facet: true }] },
          auth,
        );
        if (status !== 200) throw new Error(`category PATCH answered ${status}: ${JSON.stringify(body)}`);
        changed = true;
      },
      tag: async () => {
        for (const probe of probes) {
          const tagged = await client.send(
            'PATCH',
            `/products/${probe.id}`,
            { attributes: { ecoScore: 'A' } },
            { ...auth, 'if-match': '*' },
          );
          if (tagged.status !== 200) throw new Error(`probe PATCH answered ${tagged.status}`);
        }
      },
      filterable: async () => {
        const { status, body } = await client.send(
          'GET',
          `/products?category=${CATEGORY}&attr.ecoScore=A&limit=100`,
          undefined,
          { 'cache-control': 'no-cache' },
        );
        if (status !== 200) return false;
        return (
          (body as Listed).items
            .map((p) => p.id)
            .sort()
            .join() === expected.join()
        );
      },
    });
    let lost = 0;
    for (const [id, last] of acknowledged) {
      const { body } = await client.send('GET', `/products/${id}`, undefined, {});
      const stored = body as Listed['items'][number];
      const ecoScore = stored.attributes?.ecoScore;
      if (stored.name !== last.name || stored.version !== last.version || (last.tagged && ecoScore !== 'B')) {
        lost++;
      }
    }
    return { run, lost };
  } finally {
    client.close();
  }
}

/** The seed's column-per-attribute table, `rows` products of one category, in one INSERT … SELECT. */
async function wideTable(db: SqlDatabase, rows: number): Promise<string> {
  const table = `bench_wide_${randomBytes(4).toString('hex')}`;
  await db.exec(
    `CREATE TABLE public.${table} (
       id integer PRIMARY KEY, category text NOT NULL, name text NOT NULL, price numeric(12,2) NOT NULL,
       sizes text, colors text, material text, gender text, fit text, version integer NOT NULL,
       updated_at timestamptz NOT NULL);
     INSERT INTO public.${table}
       SELECT i, '${CATEGORY}', 'Product ' || i, 10 + (i % 90), 'S,M,L', 'Black,Navy',
              (ARRAY['cotton','wool','linen'])[1 + i % 3], 'unisex', 'regular', 1, now()
       FROM generate_series(1, ${rows}) AS i;`,
  );
  await db.exec(`VACUUM ANALYZE public.${table}`);
  return table;
}

/**
 * The contrast: raw writers `UPDATE` their own rows of the wide table while `ALTER TABLE … ADD COLUMN`
 * runs; `filterable` is the query on the new column returning what it must.
 */
async function rawChange(
  writers: SqlDatabase,
  ddl: SqlDatabase,
  table: string,
  rows: number,
  settings: (typeof SETTINGS)[Scale],
  column: 'eco_score text' | 'eco_checked_at timestamptz DEFAULT clock_timestamp()',
): Promise<{ run: ChangeRun; lost: number }> {
  const acknowledged = new Map<number, { name: string; version: number }>();
  const write: WriteStep = async (writer, sequence) => {
    const id = 1 + PROBES + writer * PER_WRITER + (sequence % PER_WRITER);
    const name = `Bench ${writer}-${sequence}`;
    const [row] = await writers.query<{ version: number }>(
      `UPDATE public.${table} SET name = $2, version = version + 1, updated_at = now() WHERE id = $1 RETURNING version`,
      [id, name],
    );
    if (!row) throw new Error(`row ${id} is gone`);
    acknowledged.set(id, { name, version: row.version });
    return true;
  };
  const scored = column.startsWith('eco_score');
  const run = await underWrites({
    write,
    baselineMs: settings.baselineMs,
    afterMs: settings.afterMs,
    change: async () => {
      await ddl.execute(`ALTER TABLE public.${table} ADD COLUMN ${column}`);
    },
    tag: async () => {
      if (scored) await ddl.execute(`UPDATE public.${table} SET eco_score = 'A' WHERE id <= ${PROBES}`);
    },
    filterable: async () => {
      if (scored) {
        const found = await ddl.query<{ id: number }>(
          `SELECT id FROM public.${table} WHERE eco_score = 'A' ORDER BY id`,
        );
        return found.map((r) => r.id).join() === Array.from({ length: PROBES }, (_, i) => i + 1).join();
      }
      const [row] = await ddl.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM public.${table} WHERE eco_checked_at IS NOT NULL`,
      );
      return Number(row!.count) === rows;
    },
  });
  let lost = 0;
  for (const [id, last] of acknowledged) {
    const [row] = await ddl.query<{ name: string; version: number }>(
      `SELECT name, version FROM public.${table} WHERE id = $1`,
      [id],
    );
    if (row?.name !== last.name || row.version !== last.version) lost++;
  }
  return { run, lost };
}

/** The comparison and checks of one change, under `key`. */
function report(
  key: string,
  label: string,
  { run, lost }: { run: ChangeRun; lost: number },
  comparisons: Comparison[],
  checks: Record<string, number>,
): void {
  comparisons.push({
    scenario: 'schema-change',
    label,
    anchorName: 'the same writers before the change',
    polyshop: run.during,
    anchor: run.before,
    ratio: run.before.p99Ms > 0 ? run.during.p99Ms / run.before.p99Ms : 0,
    rounds: 1,
    metric: 'p99',
  });
  const round = (ms: number) => Math.round(ms * 10) / 10;
  Object.assign(checks, {
    [`${key}.changeMs`]: round(run.changeMs),
    [`${key}.filterableMs`]: round(run.filterableMs),
    [`${key}.tagMs`]: round(run.tagMs),
    [`${key}.writeMaxBeforeMs`]: round(run.maxBeforeMs),
    [`${key}.writeMaxDuringMs`]: round(run.maxDuringMs),
    [`${key}.writesFailed`]: run.failed,
    [`${key}.writesLost`]: lost,
  });
  note(
    `${label}: change ${run.changeMs.toFixed(0)} ms, filterable after ${run.filterableMs.toFixed(0)} ms ` +
      `(${run.tagMs.toFixed(0)} ms of it tagging ${PROBES} products), ` +
      `write max ${run.maxBeforeMs.toFixed(0)} → ${run.maxDuringMs.toFixed(0)} ms, failed ${run.failed}` +
      `${run.firstError ? ` (${run.firstError})` : ''}, lost ${lost}`,
  );
  if (lost > 0) throw new Error(`${label}: ${lost} acknowledged writes not read back`);
}

/**
 * `schema-change`: one change under writes per target — polyshop's category definition change
 * (PGlite, PostgreSQL, MongoDB) and, on PostgreSQL engines, the seed's `ALTER TABLE … ADD COLUMN`
 * without and with a rewriting default. Correctness fails the run (never filterable, a write lost);
 * timings never do.
 */
async function runSchemaChange(target: BenchTarget, scale: Scale): Promise<ScenarioResult> {
  const settings = SETTINGS[scale];
  const mongoUrl =
    target.name === 'mongodb' ? freshMongoDatabaseUrl(target.serverUrl!, 'bench_schema') : undefined;
  const bench = await startBenchPlatform({
    services: ['users', 'products'],
    databaseUrl: target.databaseUrl,
    env: mongoUrl ? { PRODUCT_STORE: 'mongodb', MONGODB_URL: mongoUrl } : {},
  });
  const cleanups: (() => Promise<unknown>)[] = [() => bench.close()];
  try {
    const total = catalogueSize(settings.inCategory);
    note(`${target.name}: loading ${total} products (${settings.inCategory} in ${CATEGORY})`);
    const { deps } = bench.platform.module('products') as ProductsModule;
    await loadCatalogue(deps, { products: total, events: false });
    note('loaded');
    const comparisons: Comparison[] = [];
    const checks: Record<string, number> = { inCategory: settings.inCategory, products: total };
    const store = target.name === 'mongodb' ? 'MongoDB' : 'JSONB';
    report(
      'polyshop',
      `${store}: category PATCH`,
      await polyshopChange(bench, settings),
      comparisons,
      checks,
    );
    if (target.name !== 'mongodb') {
      const platformDb = await bench.platform.postgres();
      let writers = platformDb;
      let ddl = platformDb;
      if (target.databaseUrl) {
        const pool = await openPostgres({ url: target.databaseUrl, poolSize: WRITERS + 2 });
        cleanups.unshift(() => pool.close());
        writers = pool;
        ddl = pool;
      }
      for (const [key, column, label] of [
        ['addColumn', 'eco_score text', 'raw: ADD COLUMN (no default)'],
        [
          'addColumnRewrite',
          'eco_checked_at timestamptz DEFAULT clock_timestamp()',
          'raw: ADD COLUMN … DEFAULT clock_timestamp()',
        ],
      ] as const) {
        const table = await wideTable(ddl, settings.inCategory);
        const result = await rawChange(writers, ddl, table, settings.inCategory, settings, column);
        await ddl.exec(`DROP TABLE public.${table}`);
        report(key, label, result, comparisons, checks);
      }
    } else {
      checks.standIn = 1; // mongo-java-server: figures marked, no verdict about MongoDB
    }
    return { scenario: 'schema-change', target: target.name, comparisons, checks };
  } finally {
    for (const cleanup of cleanups) await cleanup();
    if (mongoUrl) {
      const client = await MongoClient.connect(mongoUrl);
      await client
        .db()
        .dropDatabase()
        .catch(() => undefined);
      await client.close();
    }
  }
}

export const schemaChange: Scenario = {
  name: 'schema-change',
  summary:
    'an attribute added to a category of 30k products under concurrent writes: write stall, time until filterable (JSONB, MongoDB; raw ALTER TABLE for contrast)',
  targets: ['pglite', 'postgres', 'mongodb'],
  run: runSchemaChange,
};
