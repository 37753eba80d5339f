import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadCatalogue } from '@polyshop/products';
import { createTestDatabase, dropTestDatabase, postgresTargets, testDatabaseUrl } from '@polyshop/testing';
import type { TestPlatform } from '@polyshop/platform/testing';
import type { LocalSearchClient } from '../../src/index.ts';
import {
  catalogPlatform,
  indexed,
  polyshop,
  rebuildQueries as queries,
  wholeCatalog,
} from './catalog-platform.ts';

const PRODUCTS = 120;
const run = promisify(execFile);

for (const target of postgresTargets()) {
  describe(`the catalog service feeding search on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let client: LocalSearchClient;
    let active: number;
    before(async () => {
      platform = await catalogPlatform(target.name);
      client = platform.module('search')!.client!;
      const { deps } = platform.module('products')!;
      await loadCatalogue(deps, { products: PRODUCTS, seed: 5, events: true });
      active = (await wholeCatalog(platform.client('products'))).filter((p) => p.status === 'active').length;
    });
    after(async () => {
      await platform?.dispose();
    });

    it("indexes every active product from the catalog's product.created events", async () => {
      await indexed(client, active);
      const { total } = await client.searchProducts({});
      assert.equal(total, active);
    });

    it('rebuilds the same index from the catalog client, also from an emptied index', async () => {
      const before = await Promise.all(queries.map((params) => client.searchProducts(params)));
      const summary = await client.reindex({ pageSize: 50 });
      assert.deepEqual(summary, { read: PRODUCTS, indexed: active, inactive: PRODUCTS - active, removed: 0 });
      assert.deepEqual(await Promise.all(queries.map((params) => client.searchProducts(params))), before);
      const db = await platform.postgres();
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
    const { deps } = seeded.module('products')!;
    await loadCatalogue(deps, { products: 40, seed: 9, events: false });
    const active = (await wholeCatalog(seeded.client('products'))).filter(
      (p) => p.status === 'active',
    ).length;
    assert.equal(await seeded.module('search')!.client!.countIndexed(), 0, 'no events: nothing indexed yet');
    await seeded.close();

    const { stdout } = await run(process.execPath, [polyshop, 'search', 'reindex', '--page-size', '15'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
    });
    assert.match(
      stdout,
      new RegExp(`40 catalog products \\(${active} searchable, ${40 - active} not active\\); 0 removed`),
    );

    const after = await catalogPlatform('pglite', env);
    try {
      assert.equal((await after.module('search')!.client!.searchProducts({})).total, active);
    } finally {
      await after.close();
    }
  });
});
