import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { definition as products, loadCatalogue, type ProductsClient, type ProductsModule, type ProductDocument } from '@polyshop/products';
import { createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import type { SqlDatabase } from '@polyshop/stores';
import { createTestDatabase, dropTestDatabase, postgresTargets, testDatabaseUrl } from '@polyshop/testing';
import { definition as search, type LocalSearchClient, type SearchParams } from '../../src/index.ts';

const PRODUCTS = 120;
const polyshop = fileURLToPath(new URL('../../../../platform/bin/polyshop.mjs', import.meta.url));
const run = promisify(execFile);

const queries: SearchParams[] = [
  { facets: 'brand,category', histogram: 'price:100', limit: 100 },
  { q: 'cotton', facets: 'brand', sort: 'price' },
  { category: 'smartphones', sort: '-price', histogram: 'price:250' },
];

/** Every product of the catalog, through its client (what a reindex reads). */
async function wholeCatalog(client: ProductsClient): Promise<ProductDocument[]> {
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
async function indexed(client: LocalSearchClient, count: number): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if ((await client.countIndexed()) === count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`the index never reached ${count} products (has ${await client.countIndexed()})`);
}

async function catalogPlatform(target: 'pglite' | 'postgres', env: Record<string, string> = {}): Promise<TestPlatform> {
  return createTestPlatform({ target, definitions: [products, search], env });
}

for (const target of postgresTargets()) {
  describe(`the catalog service feeding search on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let client: LocalSearchClient;
    let active: number;
    before(async () => {
      platform = await catalogPlatform(target.name);
      client = platform.client<LocalSearchClient>('search');
      const { deps } = platform.modules.get('products') as ProductsModule;
      await loadCatalogue(deps, { products: PRODUCTS, seed: 5, events: true });
      active = (await wholeCatalog(platform.client<ProductsClient>('products'))).filter((p) => p.status === 'active').length;
    });
    after(async () => {
      await platform?.dispose();
    });

    it('indexes every active product from the catalog\'s product.created events', async () => {
      await indexed(client, active);
      const { total } = await client.searchProducts({});
      assert.equal(total, active);
    });

    it('rebuilds the same index from the catalog client, also from an emptied index', async () => {
      const before = await Promise.all(queries.map((params) => client.searchProducts(params)));
      const summary = await client.reindex({ pageSize: 50 });
      assert.deepEqual(summary, { read: PRODUCTS, indexed: active, inactive: PRODUCTS - active, removed: 0 });
      assert.deepEqual(await Promise.all(queries.map((params) => client.searchProducts(params))), before);
      const db = (await platform.postgres()) as SqlDatabase;
      await db.exec('DELETE FROM search.products');
      assert.equal((await client.searchProducts({})).total, 0);
      await client.reindex();
      assert.deepEqual(await Promise.all(queries.map((params) => client.searchProducts(params))), before);
    });
  });
}

describe('polyshop search reindex', { skip: postgresTargets()[1]!.skip }, () => {
  const server = testDatabaseUrl();
  let database: { url: string; name: string };
  before(async () => {
    database = await createTestDatabase(server!);
  });
  after(async () => {
    if (database) await dropTestDatabase(server!, database.name);
  });

  it('rebuilds the index of a database from the command line and reports what it did', async () => {
    const env = { DATABASE_URL: database.url };
    const seeded = await catalogPlatform('pglite', env);
    const { deps } = seeded.modules.get('products') as ProductsModule;
    await loadCatalogue(deps, { products: 40, seed: 9, events: false });
    const active = (await wholeCatalog(seeded.client<ProductsClient>('products'))).filter((p) => p.status === 'active').length;
    assert.equal(await seeded.client<LocalSearchClient>('search').countIndexed(), 0, 'no events: nothing indexed yet');
    await seeded.close();

    const { stdout } = await run(process.execPath, [polyshop, 'search', 'reindex', '--page-size', '15'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
    });
    assert.match(stdout, new RegExp(`40 catalog products \\(${active} searchable, ${40 - active} not active\\); 0 removed`));

    const after = await catalogPlatform('pglite', env);
    try {
      assert.equal((await after.client<LocalSearchClient>('search').searchProducts({})).total, active);
    } finally {
      await after.close();
    }
  });
});
