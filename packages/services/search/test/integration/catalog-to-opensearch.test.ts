import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadCatalogue } from '@polyshop/products';
import type { TestPlatform } from '@polyshop/platform/testing';
import type { OpenSearchConnection } from '@polyshop/stores';
import {
  createTestDatabase,
  dropTestDatabase,
  openSearchTarget,
  postgresTargets,
  testDatabaseUrl,
  testServerUrl,
} from '@polyshop/testing';
import type { LocalSearchClient } from '../../src/index.ts';
import { catalogPlatform, indexed, polyshop, rebuildQueries, wholeCatalog } from './catalog-platform.ts';

const target = openSearchTarget();
const run = promisify(execFile);

/** The search service's variables for OpenSearch under `prefix`. */
const onOpenSearch = (prefix: string) => ({
  SEARCH_STORE: 'opensearch',
  OPENSEARCH_URL: testServerUrl('POLYSHOP_TEST_OPENSEARCH_URL')!,
  SEARCH_OPENSEARCH_INDEX_PREFIX: prefix,
});

describe('the catalog service feeding search on OpenSearch', { skip: target.skip }, () => {
  let opened: { connection: OpenSearchConnection; namespace: string };
  let platform: TestPlatform;
  let client: LocalSearchClient;
  let prefix: string;
  let active: number;
  before(async () => {
    opened = await target.open();
    prefix = `${opened.namespace}-catalog`;
    platform = await catalogPlatform('pglite', onOpenSearch(prefix));
    client = platform.module('search')!.client!;
    const { deps } = platform.module('products')!;
    await loadCatalogue(deps, { products: 60, seed: 5, events: true });
    active = (await wholeCatalog(platform.client('products'))).filter((p) => p.status === 'active').length;
  });
  after(async () => {
    await platform?.dispose();
    if (opened) await target.close(opened);
  });

  it("indexes every active product from the catalog's product.created events", async () => {
    await indexed(client, active);
    assert.equal((await client.searchProducts({})).total, active);
  });

  it('rebuilds the same index from the catalog client, also from an emptied index', async () => {
    const before = await Promise.all(rebuildQueries.map((params) => client.searchProducts(params)));
    const summary = await client.reindex({ pageSize: 25 });
    assert.deepEqual(summary, { read: 60, indexed: active, inactive: 60 - active, removed: 0 });
    assert.deepEqual(
      await Promise.all(rebuildQueries.map((params) => client.searchProducts(params))),
      before,
    );
    await opened.connection.client.deleteByQuery({
      index: `${prefix}-products`,
      refresh: true,
      body: { query: { match_all: {} } },
    });
    assert.equal((await client.searchProducts({})).total, 0);
    await client.reindex();
    assert.deepEqual(
      await Promise.all(rebuildQueries.map((params) => client.searchProducts(params))),
      before,
    );
  });
});

describe('polyshop search reindex on OpenSearch', { skip: target.skip || postgresTargets()[1]!.skip }, () => {
  let opened: { connection: OpenSearchConnection; namespace: string };
  let database: { url: string; name: string };
  before(async () => {
    opened = await target.open();
    database = await createTestDatabase(testDatabaseUrl()!);
  });
  after(async () => {
    if (database) await dropTestDatabase(testDatabaseUrl()!, database.name);
    if (opened) await target.close(opened);
  });

  it('rebuilds the OpenSearch index from the command line and reports what it did', async () => {
    const env = { DATABASE_URL: database.url, ...onOpenSearch(`${opened.namespace}-cli`) };
    const seeded = await catalogPlatform('pglite', env);
    const { deps } = seeded.module('products')!;
    await loadCatalogue(deps, { products: 30, seed: 9, events: false });
    const active = (await wholeCatalog(seeded.client('products'))).filter(
      (p) => p.status === 'active',
    ).length;
    assert.equal(await seeded.module('search')!.client!.countIndexed(), 0, 'no events: nothing indexed yet');
    await seeded.close();

    const { stdout } = await run(process.execPath, [polyshop, 'search', 'reindex', '--page-size', '12'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
    });
    assert.match(
      stdout,
      new RegExp(`30 catalog products \\(${active} searchable, ${30 - active} not active\\); 0 removed`),
    );

    const after = await catalogPlatform('pglite', env);
    try {
      assert.equal((await after.module('search')!.client!.searchProducts({})).total, active);
    } finally {
      await after.close();
    }
  });
});
