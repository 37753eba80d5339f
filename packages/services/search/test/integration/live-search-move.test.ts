import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MigrationEngine, MigrationStateStore, type MigrationSides, type Phase } from '@polyshop/migration';
import type { ProductsClient } from '@polyshop/products';
import { adminToken, createTestPlatform, requestOk, type TestPlatform } from '@polyshop/platform/testing';
import type { OpenSearchConnection } from '@polyshop/stores';
import { eventually, openSearchTarget, repeatUntilStopped, testServerUrl } from '@polyshop/testing';
import { OpenSearchSearchSide } from '../../src/adapters/migration/opensearch-search-side.ts';
import { PostgresSearchSide } from '../../src/adapters/migration/postgres-search-side.ts';

const SERVICE = 'search';
const opensearch = openSearchTarget();

let made = 0;
const aLamp = () => {
  made += 1;
  return {
    name: `Desk lamp ${made}`,
    category: 'lamps',
    brand: made % 2 ? 'Lumo' : 'Brite',
    currency: 'EUR',
    basePrice: `${10 + (made % 13)}.50`,
    status: 'active',
    attributes: {},
    variants: [{ sku: `LAMP-${process.pid}-${made}` }],
  };
};

/**
 * The running platform on PGlite (users, products, search) moves its search index to OpenSearch phase
 * by phase through the engine while products are created, renamed and archived; from write-switch it
 * rolls back (the repair log replayed into PostgreSQL), searches list the catalogue from PostgreSQL
 * again; then it moves the whole way and searches list the catalogue from OpenSearch.
 */
describe(
  'moving the live search index from PGlite to OpenSearch, with a rollback from write-switch',
  { skip: opensearch.skip },
  () => {
    let platform: TestPlatform;
    let token: string;
    let opened: { connection: OpenSearchConnection; namespace: string };
    let engine: MigrationEngine;
    let sides: MigrationSides;
    let writer: { stop(): Promise<number> } | undefined;

    before(async () => {
      opened = await opensearch.open();
      const prefix = `${opened.namespace}-live`;
      platform = await createTestPlatform({
        target: 'pglite',
        services: ['users', 'products', 'search'],
        env: {
          OPENSEARCH_URL: testServerUrl('POLYSHOP_TEST_OPENSEARCH_URL')!,
          SEARCH_OPENSEARCH_INDEX_PREFIX: prefix,
        },
      });
      token = await adminToken(platform);
      const db = await platform.postgres();
      engine = new MigrationEngine({ state: new MigrationStateStore(db), pollMs: 20 });
      sides = {
        from: new PostgresSearchSide(db),
        to: await OpenSearchSearchSide.open(opened.connection.client, prefix),
      };
    });
    after(async () => {
      await writer?.stop();
      await platform?.dispose();
      if (opened) await opensearch.close(opened);
    });

    const request = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      body?: object,
      version?: number,
    ) => requestOk(platform, token, method, url, body, version);

    function startWriter(): { stop(): Promise<number> } {
      let writes = 0;
      const ids: string[] = [];
      const loop = repeatUntilStopped(async () => {
        ids.push((await request('POST', '/products', aLamp())).json<{ id: string }>().id);
        writes += 1;
        if (writes % 3 === 0) {
          const id = ids.at(-2)!;
          const held = (await request('GET', `/products/${id}`)).json<{
            version: number;
            status: string;
          }>();
          if (held.status === 'active')
            await request('PATCH', `/products/${id}`, { name: `Renamed lamp ${writes}` }, held.version);
        }
        if (writes % 5 === 0) await request('DELETE', `/products/${ids.shift()!}`);
      }, 150);
      return { stop: async () => (await loop.stop(), writes) };
    }

    async function searchEqualsCatalogue(): Promise<void> {
      const client = platform.module('products')!.client as ProductsClient;
      await eventually(
        async () => {
          const expected = new Map<string, string>();
          for (let cursor: string | null = null; ;) {
            const page = await client.listProducts({ cursor, limit: 100 });
            for (const product of page.items)
              if (product.status === 'active') expected.set(product.id, product.name);
            if (!page.nextCursor) break;
            cursor = page.nextCursor;
          }
          const actual = new Map<string, string>();
          for (let cursor: string | undefined; ;) {
            const page = (
              await request(
                'GET',
                `/search/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
              )
            ).json<{ hits: { id: string; name: string }[]; nextCursor: string | null }>();
            for (const hit of page.hits) actual.set(hit.id, hit.name);
            if (!page.nextCursor) break;
            cursor = page.nextCursor;
          }
          return (
            actual.size === expected.size && [...expected].every(([id, name]) => actual.get(id) === name)
          );
        },
        { timeoutMs: 15_000, intervalMs: 100, message: 'search to list the active catalogue' },
      );
    }

    const phaseSeen = async () =>
      (await platform.app.inject('/readyz')).json<{
        stores: Record<string, { phase: string; reads: string }>;
      }>().stores.search!;

    /** Through backfill and a clean verify to `phase`. */
    async function moveTo(phase: Phase): Promise<void> {
      for (let current = (await engine.state.require(SERVICE)).phase; current !== phase;) {
        if (current === 'backfill') {
          assert.equal(
            (await engine.runBackfill({ service: SERVICE, sides, batchSize: 20 })).completed,
            true,
          );
        }
        if (current === 'verify') {
          const report = await engine.verify({ service: SERVICE, sides, batchSize: 50 });
          assert.equal(report.clean, true, JSON.stringify(report.details, null, 1));
          assert.ok(report.kinds.queries!.source > 5, 'the query sample was compared');
        }
        current = (await engine.advance(SERVICE, current)).phase;
      }
      await eventually(async () => (await phaseSeen()).phase === phase);
    }

    it('rolls back from write-switch to PostgreSQL, then moves the whole way', async () => {
      await request('POST', '/products/categories', { slug: 'lamps', name: 'Lamps' });
      for (let i = 0; i < 20; i++) await request('POST', '/products', aLamp());
      await searchEqualsCatalogue();

      writer = startWriter();
      await engine.start(SERVICE, 'postgres', 'opensearch');
      await moveTo('write-switch');
      assert.deepEqual(await phaseSeen(), {
        phase: 'write-switch',
        reads: 'opensearch',
        writes: 'opensearch',
        mirror: 'postgres',
      });
      await new Promise((resolve) => setTimeout(resolve, 500)); // events applied in write-switch
      await engine.rollback(SERVICE, sides);
      await eventually(async () => (await phaseSeen()).phase === 'idle');
      assert.deepEqual(await phaseSeen(), { phase: 'idle', reads: 'postgres', writes: 'postgres' });
      await writer.stop();
      writer = undefined;
      await searchEqualsCatalogue();

      writer = startWriter();
      await engine.start(SERVICE, 'postgres', 'opensearch');
      await moveTo('finished');
      await writer.stop();
      writer = undefined;
      assert.deepEqual(await phaseSeen(), { phase: 'finished', reads: 'opensearch', writes: 'opensearch' });
      await searchEqualsCatalogue();
    });
  },
);
