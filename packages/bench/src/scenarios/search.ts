import { randomBytes } from 'node:crypto';
import { loadCatalogue } from '@polyshop/products';
import {
  parseSearchQuery,
  searchIndexNames,
  searchRequestBody,
  searchStatement,
  type SearchResult,
  type SqlStatement,
} from '@polyshop/search';
import { openOpenSearch, type OpenSearchConnection, type SqlExecutor } from '@polyshop/stores';
import { testServerUrl } from '@polyshop/testing';
import { BARE_PROXY_ANCHOR, startBareProxy } from '../bare-route.ts';
import { runHttpLoad } from '../http-load.ts';
import { startBenchPlatform, type BenchPlatform } from '../http-session.ts';
import { compareInterleaved, runLoad, type Comparison, type LoadResult } from '../measure.ts';
import { pgbench } from '../pgbench.ts';
import type { BenchTarget, Scenario, ScenarioResult, Scale } from '../scenario.ts';

/** The issue's query: about one product in seven matches it (the smartphones category). */
const QUERY = 'smartphone';
const CONCURRENCY = 16;

const SETTINGS = {
  small: { products: 2000, durationMs: 500, rounds: 3 },
  full: { products: 100_000, durationMs: 5000, rounds: 5 },
} as const;

/** `$n` placeholders replaced by SQL literals (pgbench runs plain SQL text). */
export function inlineParams(statement: SqlStatement): string {
  const literal = (value: unknown): string => {
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
    throw new Error(`no literal for ${typeof value}`);
  };
  return statement.sql.replace(/\$(\d+)/g, (_, n: string) => literal(statement.params[Number(n) - 1]));
}

/** The statement as a pgbench script: with its settings, in a transaction of its own, as the adapter runs it. */
export function pgbenchScript(statement: SqlStatement): string {
  const sql = `${inlineParams(statement)};\n`;
  if (statement.settings.length === 0) return sql;
  return `BEGIN;\n${statement.settings.map((setting) => `${setting};\n`).join('')}${sql}COMMIT;\n`;
}

/** `GET /search/products` with `q`; resolves to the answer (throws on anything but 200). */
async function searchOverHttp(bench: BenchPlatform, q: string): Promise<SearchResult> {
  const response = await fetch(`${bench.base}/search/products?q=${encodeURIComponent(q)}`);
  if (response.status !== 200) throw new Error(`search answered ${response.status}`);
  return (await response.json()) as SearchResult;
}

/**
 * The catalogue the way `polyshop seed --no-events` then `polyshop search reindex` load it: the demo
 * generator's products (seed 42) into the catalog, then the search index rebuilt from the catalog.
 */
export async function seedAndIndex(bench: BenchPlatform, products: number, seed: boolean): Promise<void> {
  const catalog = bench.platform.module('products');
  const search = bench.platform.module('search');
  if (!catalog || !search?.client) throw new Error('the search benchmark needs products and search');
  if (seed) await loadCatalogue(catalog.deps, { products, seed: 42, events: false });
  await search.client.reindex({});
}

/**
 * After the bulk load, the steady state a running system reaches by itself before it is measured:
 * OpenSearch's segment merges done (else they take a core during the rounds that follow), and
 * PostgreSQL's tables vacuumed and analysed (what autovacuum would do).
 */
export async function settle(
  bench: BenchPlatform,
  openSearch?: { connection: OpenSearchConnection; prefix: string },
) {
  if (openSearch) {
    const index = searchIndexNames(openSearch.prefix).products;
    await openSearch.connection.client.indices.forcemerge(
      { index, max_num_segments: 1 },
      { requestTimeout: 600_000 },
    );
  } else {
    await (await bench.platform.postgres()).exec('VACUUM ANALYZE search.products');
  }
}

/** The search service on OpenSearch under a fresh index prefix (the catalog on `databaseUrl` or PGlite). */
export function openSearchEnv(url: string): { env: Record<string, string>; prefix: string } {
  const prefix = `bench-search-${randomBytes(4).toString('hex')}`;
  return {
    prefix,
    env: { SEARCH_STORE: 'opensearch', OPENSEARCH_URL: url, SEARCH_OPENSEARCH_INDEX_PREFIX: prefix },
  };
}

/** The raw `_search` of the adapter's own request body for `QUERY`, through the official client. */
function openSearchQuery(connection: OpenSearchConnection, prefix: string) {
  const index = searchIndexNames(prefix).products;
  const body = searchRequestBody(parseSearchQuery({ q: QUERY }), undefined);
  return async () => (await connection.client.search({ index, body })).body;
}

/** That `_search` in a loop in this process. */
function rawOpenSearch(connection: OpenSearchConnection, prefix: string, durationMs: number) {
  const search = openSearchQuery(connection, prefix);
  return () =>
    runLoad({
      concurrency: CONCURRENCY,
      durationMs,
      operation: async () => ((await search()).hits.total as { value: number }).value > 0,
    });
}

export async function deleteIndexes(connection: OpenSearchConnection, prefix: string): Promise<void> {
  await connection.client.indices.delete({ index: `${prefix}-*` }).catch(() => undefined);
}

/** What the search must find, over HTTP: the query's hits, "phone" inside "smartphones", nothing for nonsense. */
async function searchChecks(bench: BenchPlatform): Promise<Record<string, number>> {
  const hits = (await searchOverHttp(bench, QUERY)).total;
  const phoneHits = (await searchOverHttp(bench, 'phone')).total;
  const nonsenseHits = (await searchOverHttp(bench, 'xqzvwkj')).total;
  if (hits === 0 || phoneHits < hits || nonsenseHits !== 0) {
    throw new Error(`search checks failed: ${QUERY} ${hits}, phone ${phoneHits}, nonsense ${nonsenseHits}`);
  }
  return { hits, phoneHits, nonsenseHits };
}

/**
 * `search`: `GET /search/products?q=smartphone` over HTTP at c=16 against the adapter's own request
 * sent raw — its SQL statement through pgbench (PostgreSQL) or an in-process loop (PGlite), its
 * `_search` body through the official client (OpenSearch) — and, on PostgreSQL when an OpenSearch
 * node is there, PostgreSQL full-text against the raw OpenSearch `_search` over the same catalogue.
 * On OpenSearch, also against a bare proxy of that `_search` (`startBareProxy`): the floor of any
 * HTTP service in front of it here.
 */
async function runSearch(target: BenchTarget, scale: Scale): Promise<ScenarioResult> {
  const settings = SETTINGS[scale];
  const onOpenSearch = target.name === 'opensearch' ? openSearchEnv(target.serverUrl!) : undefined;
  const bench = await startBenchPlatform({
    services: ['users', 'products', 'search'],
    databaseUrl: target.databaseUrl,
    ...(onOpenSearch ? { env: onOpenSearch.env } : {}),
  });
  const comparisons: Comparison[] = [];
  const label = `${target.name} c=${CONCURRENCY}`;
  const compare = (
    anchorName: string,
    polyshop: () => Promise<LoadResult>,
    anchor: () => Promise<LoadResult>,
  ) =>
    // warmed up: the first queries after the bulk load and the merge fill the store's caches (both
    // sides' first round measured ~25 % below the rest, and polyshop's comes first)
    compareInterleaved({
      scenario: 'search',
      label,
      anchorName,
      rounds: settings.rounds,
      warmUp: true,
      polyshop,
      anchor,
    });
  // the HTTP clients run in a worker thread, off the event loop of the server they measure (the
  // hits, "phone" and nonsense are checked once before, by `searchChecks`)
  const overHttp = (on: BenchPlatform | string) => () =>
    runHttpLoad({
      url: typeof on === 'string' ? on : `${on.base}/search/products?q=${encodeURIComponent(QUERY)}`,
      concurrency: CONCURRENCY,
      durationMs: settings.durationMs,
    });
  const cleanups: (() => Promise<void>)[] = [() => bench.close()];
  try {
    await seedAndIndex(bench, settings.products, true);
    const connection = onOpenSearch ? openOpenSearch({ url: target.serverUrl! }) : undefined;
    if (connection && onOpenSearch) {
      cleanups.unshift(async () => {
        await deleteIndexes(connection, onOpenSearch.prefix);
        await connection.close();
      });
    }
    await settle(bench, connection && onOpenSearch ? { connection, prefix: onOpenSearch.prefix } : undefined);
    const checks = { products: settings.products, ...(await searchChecks(bench)) };
    const statement = searchStatement(parseSearchQuery({ q: QUERY }), undefined);
    if (onOpenSearch && connection) {
      comparisons.push(
        await compare(
          'raw _search: the same body, official client',
          overHttp(bench),
          rawOpenSearch(connection, onOpenSearch.prefix, settings.durationMs),
        ),
      );
      // The floor of any HTTP service in front of that _search on this machine, for the report.
      const proxy = await startBareProxy(openSearchQuery(connection, onOpenSearch.prefix));
      cleanups.unshift(() => proxy.close());
      comparisons.push(await compare(BARE_PROXY_ANCHOR, overHttp(bench), overHttp(proxy.url)));
    } else if (target.pgbench && target.databaseUrl) {
      const [binary, url] = [target.pgbench, target.databaseUrl];
      comparisons.push(
        await compare('pgbench: the same statement', overHttp(bench), () =>
          pgbench({
            binary,
            url,
            script: pgbenchScript(statement),
            concurrency: CONCURRENCY,
            durationMs: settings.durationMs,
          }),
        ),
      );
    } else {
      const db = await bench.platform.postgres();
      const run = async (tx: SqlExecutor) => {
        for (const setting of statement.settings) await tx.execute(setting);
        return tx.query(statement.sql, statement.params);
      };
      comparisons.push(
        await compare('raw loop: the same statement in this process', overHttp(bench), () =>
          runLoad({
            concurrency: CONCURRENCY,
            durationMs: settings.durationMs,
            operation: async () => (await db.transaction(run)).length === 1,
          }),
        ),
      );
    }
    const openSearchUrl =
      target.name === 'postgres' ? testServerUrl('POLYSHOP_TEST_OPENSEARCH_URL') : undefined;
    if (openSearchUrl && target.databaseUrl) {
      // The issue's cross-store figure: the same catalogue indexed into OpenSearch by a second platform.
      const other = openSearchEnv(openSearchUrl);
      const onBoth = await startBenchPlatform({
        services: ['users', 'products', 'search'],
        databaseUrl: target.databaseUrl,
        env: other.env,
      });
      const connection = openOpenSearch({ url: openSearchUrl });
      cleanups.unshift(async () => {
        await onBoth.close();
        await deleteIndexes(connection, other.prefix);
        await connection.close();
      });
      await seedAndIndex(onBoth, settings.products, false);
      await settle(onBoth, { connection, prefix: other.prefix });
      const openSearchChecks = await searchChecks(onBoth);
      Object.assign(checks, {
        openSearchHits: openSearchChecks.hits,
        openSearchPhoneHits: openSearchChecks.phoneHits,
      });
      comparisons.push(
        await compare(
          'raw OpenSearch _search over the same catalogue',
          overHttp(bench),
          rawOpenSearch(connection, other.prefix, settings.durationMs),
        ),
      );
    }
    return { scenario: 'search', target: target.name, comparisons, checks };
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

export const search: Scenario = {
  name: 'search',
  summary:
    'GET /search/products?q=smartphone over HTTP at c=16 vs the adapter’s own SQL or _search, raw (on OpenSearch also a bare proxy)',
  targets: ['pglite', 'postgres', 'opensearch'],
  run: runSearch,
};
