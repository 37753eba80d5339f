import type { SearchResult } from '@polyshop/search';
import { openOpenSearch } from '@polyshop/stores';
import { testServerUrl } from '@polyshop/testing';
import { startBenchPlatform, type BenchPlatform } from '../http-session.ts';
import type { BenchTarget, Scenario, ScenarioResult, Scale } from '../scenario.ts';
import { deleteIndexes, openSearchEnv, seedAndIndex, settle } from './search.ts';

const SCENARIO = 'search-relevance';
const TOP = 10;

const SETTINGS = {
  small: { products: 2000 },
  full: { products: 100_000 },
} as const;

/**
 * 50 fixed shopper queries over the demo catalogue (`loadCatalogue`, seed 42): brands, models, kinds,
 * materials, titles, authors, origins, attributes and a few words the catalogue does not hold.
 */
export const SHOPPER_QUERIES: readonly string[] = [
  'smartphone',
  'phone',
  'samsung galaxy',
  'apple',
  'google pixel pro',
  'iphone',
  'oneplus',
  'xiaomi ultra',
  'nothing phone',
  'motorola edge',
  'laptop',
  'lenovo thinkbook',
  'apple air',
  'dell inspire 15',
  'framework laptop',
  'asus zenith',
  'gaming laptop',
  'oled display',
  'storage',
  'cotton t-shirt',
  'wool sweater',
  'linen shirt',
  'denim jeans',
  'cashmere coat',
  'hoodie',
  'patagonia jacket',
  "levi's jeans",
  'uniqlo',
  'dress',
  'winter coat',
  'chinos',
  'book',
  'the silent garden',
  'night machine',
  'murakami',
  'ursula le guin',
  'penguin',
  'atlas of glass',
  'olive oil',
  'italy olive oil',
  'espresso beans',
  'dark chocolate',
  'green tea japan',
  'hot sauce mexico',
  'honey',
  'pasta',
  'rice from india',
  'granola',
  'coffee',
  'chocolate',
];

async function topHits(bench: BenchPlatform, q: string): Promise<SearchResult> {
  const response = await fetch(`${bench.base}/search/products?q=${encodeURIComponent(q)}&limit=${TOP}`);
  if (response.status !== 200) throw new Error(`search for "${q}" answered ${response.status}`);
  return (await response.json()) as SearchResult;
}

/**
 * Overlap@10: the products both top 10s hold, over 10 — or over the longer list when neither store
 * has 10 hits (both empty: they agree, 1).
 */
export function overlapAt(top: number, a: readonly string[], b: readonly string[]): number {
  const longest = Math.min(top, Math.max(a.length, b.length));
  if (longest === 0) return 1;
  const theirs = new Set(b.slice(0, top));
  return a.slice(0, top).filter((id) => theirs.has(id)).length / longest;
}

/**
 * `search-relevance`: the seed's "no other database can match OpenSearch for full-text search",
 * on relevance: the same generated catalogue indexed by polyshop's search service into PostgreSQL
 * full-text (the target) and into OpenSearch (the test server), the top 10 of 50 fixed shopper
 * queries over HTTP from each, their overlap@10, and the queries where they differ.
 */
async function runSearchRelevance(target: BenchTarget, scale: Scale): Promise<ScenarioResult> {
  const openSearchUrl = testServerUrl('POLYSHOP_TEST_OPENSEARCH_URL');
  if (!openSearchUrl || !target.databaseUrl) {
    throw new Error(`${SCENARIO} needs PostgreSQL and an OpenSearch node (scripts/servers up opensearch)`);
  }
  const { products } = SETTINGS[scale];
  const services = ['users' as const, 'products' as const, 'search' as const];
  const onPostgres = await startBenchPlatform({ services, databaseUrl: target.databaseUrl });
  const other = openSearchEnv(openSearchUrl);
  const connection = openOpenSearch({ url: openSearchUrl });
  let onOpenSearch: BenchPlatform | undefined;
  try {
    await seedAndIndex(onPostgres, products, true);
    await settle(onPostgres);
    onOpenSearch = await startBenchPlatform({ services, databaseUrl: target.databaseUrl, env: other.env });
    await seedAndIndex(onOpenSearch, products, false);
    await settle(onOpenSearch, { connection, prefix: other.prefix });
    const rows: (string | number)[][] = [];
    let sum = 0;
    for (const q of SHOPPER_QUERIES) {
      const [pg, os] = [await topHits(onPostgres, q), await topHits(onOpenSearch, q)];
      const overlap = overlapAt(
        TOP,
        pg.hits.map((hit) => hit.id),
        os.hits.map((hit) => hit.id),
      );
      sum += overlap;
      if (overlap < 1 || pg.total !== os.total) {
        rows.push([
          q,
          overlap.toFixed(1),
          pg.total,
          os.total,
          pg.hits[0]?.name ?? '(none)',
          os.hits[0]?.name ?? '(none)',
        ]);
      }
    }
    const mean = sum / SHOPPER_QUERIES.length;
    return {
      scenario: SCENARIO,
      target: target.name,
      comparisons: [],
      tables: [
        {
          title: `the queries where PostgreSQL full-text and OpenSearch differ (${rows.length} of ${SHOPPER_QUERIES.length}; ${products} products; mean overlap@${TOP} ${mean.toFixed(3)})`,
          columns: [
            'query',
            `overlap@${TOP}`,
            'PostgreSQL hits',
            'OpenSearch hits',
            'PostgreSQL #1',
            'OpenSearch #1',
          ],
          rows,
        },
      ],
      checks: {
        products,
        queries: SHOPPER_QUERIES.length,
        queriesDiffering: rows.length,
        meanOverlapAt10: Number(mean.toFixed(3)),
      },
    };
  } finally {
    await onOpenSearch?.close();
    await onPostgres.close();
    await deleteIndexes(connection, other.prefix);
    await connection.close();
  }
}

export const searchRelevance: Scenario = {
  name: SCENARIO,
  summary: 'overlap of the top 10 between PostgreSQL full-text and OpenSearch over 50 fixed shopper queries',
  targets: ['postgres'],
  run: runSearchRelevance,
};
