import { fileURLToPath } from 'node:url';
import { definition as products, type ProductDocument, type ProductsClient } from '@polyshop/products';
import { createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import { eventually } from '@polyshop/testing';
import { definition as search, type LocalSearchClient, type SearchParams } from '../../src/index.ts';

/** The `polyshop` command line. */
export const polyshop = fileURLToPath(new URL('../../../../platform/bin/polyshop.mjs', import.meta.url));

/** Searches whose answers a rebuild must keep. */
export const rebuildQueries: SearchParams[] = [
  { facets: 'brand,category', histogram: 'price:100', limit: 100 },
  { q: 'cotton', facets: 'brand', sort: 'price' },
  { category: 'smartphones', sort: '-price', histogram: 'price:250' },
];

/** The real platform running the catalog and search (`env` chooses stores). */
export function catalogPlatform(
  target: 'pglite' | 'postgres',
  env: Record<string, string> = {},
): Promise<TestPlatform> {
  return createTestPlatform({ target, definitions: [products, search], env });
}

/** Every product of the catalog, through its client (what a reindex reads). */
export async function wholeCatalog(client: ProductsClient): Promise<ProductDocument[]> {
  const items: ProductDocument[] = [];
  let cursor: string | null = null;
  do {
    const page = await client.listProducts({ cursor, limit: 100 });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Waits until the index holds `count` products (the catalog's outbox relay delivers asynchronously). */
export async function indexed(client: LocalSearchClient, count: number): Promise<void> {
  // A generous bound: a loaded machine's relay and OpenSearch refreshes take their time.
  await eventually(async () => (await client.countIndexed()) === count, {
    timeoutMs: 120_000,
    intervalMs: 50,
    message: `the index to reach ${count} products`,
  });
}
