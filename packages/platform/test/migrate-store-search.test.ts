import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenSearchSearchSide, PostgresSearchSide, type LocalSearchClient } from '@polyshop/search';
import type { ProductsClient } from '@polyshop/products';
import { adminToken, createTestPlatform, requestOk, type TestPlatform } from '@polyshop/platform/testing';
import type { OpenSearchConnection } from '@polyshop/stores';
import { eventually, openSearchTarget, repeatUntilStopped, testServerUrl } from '@polyshop/testing';
import { runMigrateStore, type MigrateStoreCommandOptions } from '../src/cli/migrate-store-command.ts';
import { openMigrationConnections } from '../src/migration/migration-connections.ts';
import { loadPlatformConfig } from '../src/platform-config.ts';

const SERVICE = 'search';
const opensearch = openSearchTarget();
const postgresUrl = testServerUrl('POLYSHOP_TEST_DATABASE_URL');
const skip = opensearch.skip || (postgresUrl ? false : 'POLYSHOP_TEST_DATABASE_URL is not set');

let made = 0;
const aShoe = (index = ++made) => ({
  name: `Trail shoe ${index}`,
  category: 'shoes',
  brand: index % 3 === 0 ? 'Acme' : 'Bolt',
  currency: 'EUR',
  basePrice: `${20 + (index % 17)}.${index % 10}0`,
  status: 'active',
  attributes: {},
  variants: [{ sku: `SHOE-${process.pid}-${index}` }],
});

/**
 * The running platform (users, products and search on the real PostgreSQL, OPENSEARCH_URL set) moves
 * its search index to OpenSearch and back with `polyshop migrate-store search` (in process), while a
 * client keeps creating, renaming and archiving products: their `product.*` events reach search in
 * every phase. Each move verifies clean (records and the query sample); afterwards, searches (from
 * the store the index is on) list exactly the catalogue's active products, with its names and prices.
 */
describe('polyshop migrate-store search, PostgreSQL ⇄ OpenSearch, live', { skip }, () => {
  let platform: TestPlatform;
  let token: string;
  let opened: { connection: OpenSearchConnection; namespace: string };
  let env: Record<string, string>;
  let dataDir: string;
  let writer: { stop(): Promise<number> } | undefined;

  before(async () => {
    opened = await opensearch.open();
    env = {
      OPENSEARCH_URL: testServerUrl('POLYSHOP_TEST_OPENSEARCH_URL')!,
      SEARCH_OPENSEARCH_INDEX_PREFIX: `${opened.namespace}-live`,
    };
    platform = await createTestPlatform({
      target: 'postgres',
      services: ['users', 'products', 'search'],
      env,
    });
    token = await adminToken(platform);
    dataDir = mkdtempSync(join(tmpdir(), 'polyshop-migrate-search-'));
    env = { ...env, DATABASE_URL: platform.config.DATABASE_URL!, POLYSHOP_DATA_DIR: dataDir };
  });
  after(async () => {
    await writer?.stop();
    await platform?.dispose();
    if (opened) await opensearch.close(opened);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const request = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: object) =>
    requestOk(platform, token, method, url, body);

  /** Creates, renames and archives products until stopped; resolves to the writes made. */
  function startWriter(): { stop(): Promise<number> } {
    let writes = 0;
    const ids: string[] = [];
    const loop = repeatUntilStopped(async () => {
      const created = (await request('POST', '/products', aShoe())).json<{ id: string; version: number }>();
      ids.push(created.id);
      writes += 1;
      if (writes % 3 === 0) {
        const id = ids[Math.floor(ids.length / 2)]!;
        const held = (await request('GET', `/products/${id}`)).json<{ version: number; status: string }>();
        if (held.status === 'active') {
          await platform.app.inject({
            method: 'PATCH',
            url: `/products/${id}`,
            payload: { name: `Renamed shoe ${writes}` },
            headers: { authorization: `Bearer ${token}`, 'if-match': `"${held.version}"` },
          });
          writes += 1;
        }
      }
      if (writes % 7 === 0) {
        await request('DELETE', `/products/${ids.shift()!}`);
        writes += 1;
      }
    }, 150);
    return { stop: async () => (await loop.stop(), writes) };
  }

  /** `polyshop migrate-store search …` in this process: its lines. */
  async function migrateStore(options: MigrateStoreCommandOptions): Promise<string> {
    const connections = await openMigrationConnections(loadPlatformConfig(env), env, {
      ackTimeoutMs: 15_000,
    });
    const lines: string[] = [];
    try {
      await runMigrateStore(SERVICE, { batchSize: 50, ...options }, connections, (line) => lines.push(line));
      return lines.join('\n');
    } finally {
      await connections.close();
    }
  }

  /** The catalogue's active products (id → name, price), as search should list them. */
  async function activeCatalogue(): Promise<Map<string, string>> {
    const client = platform.module('products')!.client as ProductsClient;
    const active = new Map<string, string>();
    for (let cursor: string | null = null; ;) {
      const page = await client.listProducts({ cursor, limit: 100 });
      for (const product of page.items) {
        if (product.status === 'active') active.set(product.id, product.name);
      }
      if (!page.nextCursor) return active;
      cursor = page.nextCursor;
    }
  }

  /** What searches list now, every page (id → name), through the HTTP API. */
  async function searched(): Promise<Map<string, string>> {
    const hits = new Map<string, string>();
    for (let cursor: string | undefined; ;) {
      const response = await request('GET', `/search/products?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      const page = response.json<{ hits: { id: string; name: string }[]; nextCursor: string | null }>();
      for (const hit of page.hits) hits.set(hit.id, hit.name);
      if (!page.nextCursor) return hits;
      cursor = encodeURIComponent(page.nextCursor);
    }
  }

  /** Waits until searches list exactly the active catalogue (the event tail has caught up). */
  async function searchEqualsCatalogue(): Promise<number> {
    let expected = new Map<string, string>();
    await eventually(
      async () => {
        expected = await activeCatalogue();
        const actual = await searched();
        return actual.size === expected.size && [...expected].every(([id, name]) => actual.get(id) === name);
      },
      { timeoutMs: 15_000, intervalMs: 100, message: 'search to list the active catalogue' },
    );
    return expected.size;
  }

  const readyz = async () =>
    (await platform.app.inject('/readyz')).json<{
      stores: Record<string, { phase: string; reads: string }>;
    }>().stores.search!;

  it('moves search to OpenSearch through every phase under writes, then back to PostgreSQL by rollback and by a move', async () => {
    await request('POST', '/products/categories', { slug: 'shoes', name: 'Shoes' });
    for (let i = 0; i < 25; i++) await request('POST', '/products', aShoe());
    const searchModule = platform.module('search')!;
    // a stock level heard before the move is copied too (and moves inStock of its product)
    await searchModule.index.setStock(`SHOE-${process.pid}-1`, 4, 1);
    await searchEqualsCatalogue();
    assert.deepEqual(await readyz(), { phase: 'idle', reads: 'postgres', writes: 'postgres' });

    writer = startWriter();
    const there = await migrateStore({ to: 'opensearch', yes: true, rate: 100_000 });
    assert.match(there, /search: migration postgres → opensearch started: dual-write/);
    assert.match(there, /search: backfill complete/);
    assert.match(there, /search: verify clean: stock \d+\/\d+, products \d+\/\d+, queries \d+\/\d+/);
    assert.match(there, /search now runs on opensearch/);
    const written = await writer.stop();
    writer = undefined;
    assert.ok(written > 0, 'products were written during the move');
    // the module applies the last phase within a refresh (the engine does not wait for it)
    await eventually(async () => (await readyz()).phase === 'finished');
    assert.deepEqual(await readyz(), { phase: 'finished', reads: 'opensearch', writes: 'opensearch' });

    // searches now come from OpenSearch and list the catalogue; OpenSearch holds what PostgreSQL held
    const active = await searchEqualsCatalogue();
    const side = await OpenSearchSearchSide.open(
      opened.connection.client,
      env.SEARCH_OPENSEARCH_INDEX_PREFIX!,
    );
    assert.ok((await side.count('products')) >= active);
    const [stocked] = await side.read('stock', [`SHOE-${process.pid}-1`]);
    assert.deepEqual(stocked?.body, { sku: `SHOE-${process.pid}-1`, available: 4, version: 1 });
    const client = searchModule.client as LocalSearchClient;
    assert.equal((await client.searchProducts({ inStock: 'true' })).total, 1);

    // back: as far as read-switch (reads from PostgreSQL again), then a rollback to OpenSearch
    writer = startWriter();
    const halfway = await migrateStore({ to: 'postgres', phase: 'read-switch' });
    assert.match(halfway, /search: verify clean/);
    await eventually(async () => (await readyz()).phase === 'read-switch');
    assert.deepEqual(await readyz(), {
      phase: 'read-switch',
      reads: 'postgres',
      writes: 'opensearch',
      mirror: 'postgres',
    });
    assert.match(await migrateStore({ rollback: true }), /search: rolled back to opensearch/);
    await eventually(async () => (await readyz()).reads === 'opensearch');

    // and the whole way back to PostgreSQL
    const back = await migrateStore({ to: 'postgres', yes: true, rate: 100_000 });
    assert.match(back, /search: verify clean/);
    assert.match(back, /search now runs on postgres/);
    await writer.stop();
    writer = undefined;
    await eventually(async () => (await readyz()).phase === 'finished');
    assert.deepEqual(await readyz(), { phase: 'finished', reads: 'postgres', writes: 'postgres' });
    await searchEqualsCatalogue();
    const pg = new PostgresSearchSide(await platform.postgres());
    assert.equal(await pg.count('products'), await side.count('products'));
  });
});
