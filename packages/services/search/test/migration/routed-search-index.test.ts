import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent, systemClock, type EventEnvelope } from '@polyshop/kernel';
import { MovableStores, type MigrationSide, type Phase } from '@polyshop/migration';
import type { OpenSearchConnection, SqlDatabase } from '@polyshop/stores';
import { openSearchTarget, postgresTargets } from '@polyshop/testing';
import { OpenSearchSearchSide } from '../../src/adapters/migration/opensearch-search-side.ts';
import { PostgresSearchSide } from '../../src/adapters/migration/postgres-search-side.ts';
import {
  RoutedSearchIndex,
  type SearchStoreHandle,
} from '../../src/adapters/migration/routed-search-index.ts';
import type { IndexedProduct } from '../../src/adapters/migration/search-migration-kinds.ts';
import { searchIndexNames } from '../../src/adapters/opensearch/opensearch-mapping.ts';
import { OpenSearchProductSearchIndex } from '../../src/adapters/opensearch/opensearch-product-search-index.ts';
import {
  migrateSearchSchema,
  PostgresProductSearchIndex,
} from '../../src/adapters/postgres/postgres-product-search-index.ts';
import { applyProductEvent } from '../../src/app/apply-catalog-events.ts';
import { parseSearchQuery } from '../../src/domain/parse-search-query.ts';
import type { CatalogProduct } from '../../src/domain/search-document.ts';

const SERVICE = 'search';
const CONSUMER = 'search.products';

let made = 0;
function aProduct(overrides: Partial<CatalogProduct> = {}): CatalogProduct {
  made += 1;
  return {
    id: `prod-${String(made).padStart(3, '0')}`,
    slug: `lamp-${made}`,
    name: `Desk lamp ${made}`,
    category: 'lamps',
    brand: 'Lumo',
    currency: 'EUR',
    basePrice: '25.00',
    variants: [{ sku: `LAMP-${made}` }],
    status: 'active',
    version: 1,
    ...overrides,
  };
}

const productEvent = (product: CatalogProduct): EventEnvelope =>
  createEvent(
    'products',
    { type: 'product.updated', aggregateType: 'product', aggregateId: product.id, data: product },
    systemClock,
  );

/** A side whose writes fail while `failing` is set (an unreachable store). */
function failable(side: OpenSearchSearchSide): OpenSearchSearchSide & { failing: boolean } {
  const wrapper = {
    failing: false,
    store: side.store,
    kinds: side.kinds,
    scan: side.scan.bind(side),
    lastKey: side.lastKey.bind(side),
    read: side.read.bind(side),
    upsertIfNewer: (...args: Parameters<MigrationSide['upsertIfNewer']>) =>
      wrapper.failing ? Promise.reject(new Error('store unreachable')) : side.upsertIfNewer(...args),
    remove: side.remove.bind(side),
    count: side.count.bind(side),
    canonical: side.canonical.bind(side),
    drop: side.drop.bind(side),
    visible: side.visible.bind(side),
    search: side.search.bind(side),
    compareViews: side.compareViews.bind(side),
  };
  return wrapper as unknown as OpenSearchSearchSide & { failing: boolean };
}

/**
 * The search index during a move from PostgreSQL to OpenSearch, on real stores, through the engine's
 * `MovableStores` over a real control store: an event's changes go to the phase's source of truth,
 * whose inbox alone records the event (handled once), and are copied to the other store; direct
 * writes likewise; searches follow the phase; a failing copy lands in the repair log.
 */
const opensearch = openSearchTarget();
for (const target of postgresTargets()) {
  describe(
    `routed search index: ${target.name} → opensearch`,
    { skip: target.skip || opensearch.skip },
    () => {
      let db: SqlDatabase;
      let opened: { connection: OpenSearchConnection; namespace: string };
      let stores: MovableStores<SearchStoreHandle>;
      let index: RoutedSearchIndex;
      let pg: PostgresSearchSide;
      let os: OpenSearchSearchSide & { failing: boolean };
      let prefix: string;

      before(async () => {
        db = await target.open();
        await migrateSearchSchema(db);
        opened = await opensearch.open();
        prefix = `${opened.namespace}-routed-${target.name}`;
        const { client } = opened.connection;
        pg = new PostgresSearchSide(db);
        os = failable(await OpenSearchSearchSide.open(client, prefix));
        stores = await MovableStores.open<SearchStoreHandle>({
          service: SERVICE,
          control: db,
          configuredStore: 'postgres',
          refreshMs: 60_000,
          openStore: async (store) =>
            store === 'postgres'
              ? { index: new PostgresProductSearchIndex(db), side: pg, ping: () => db.ping() }
              : {
                  index: await OpenSearchProductSearchIndex.open(client, prefix),
                  side: os,
                  ping: () => Promise.resolve(),
                  visible: () => os.visible(),
                },
        });
        index = new RoutedSearchIndex(stores);
      });
      after(async () => {
        await stores?.stop();
        if (opened) await opensearch.close(opened);
        if (db) await target.close(db);
      });

      async function moveTo(phase: Phase): Promise<void> {
        for (let current = (await stores.state.require(SERVICE)).phase; current !== phase;) {
          current = (await stores.state.advance(SERVICE, current)).phase;
        }
        await stores.router.refresh();
      }
      const handle = (event: EventEnvelope) =>
        index.handleOnce(CONSUMER, event, (changed) => applyProductEvent(changed, event));
      const inPgInbox = async (event: EventEnvelope) =>
        (
          await db.query('SELECT 1 FROM search.inbox WHERE consumer = $1 AND event_id = $2', [
            CONSUMER,
            event.id,
          ])
        ).length === 1;
      const inOsInbox = async (event: EventEnvelope) =>
        (
          await opened.connection.client.exists({
            index: searchIndexNames(prefix).inbox,
            id: `${CONSUMER}:${event.id}`,
          })
        ).body;
      const nameIn = async (side: MigrationSide, id: string) =>
        ((await side.read('products', [id]))[0]?.body as IndexedProduct | undefined)?.document?.name;
      const searchedIds = async () =>
        (await index.search(parseSearchQuery({ limit: 100 }))).hits.map((hit) => hit.id);

      it('with no migration, everything stays on the configured store', async () => {
        const product = aProduct();
        assert.equal(await handle(productEvent(product)), true);
        assert.equal(await nameIn(pg, product.id), product.name);
        assert.equal(await nameIn(os, product.id), undefined);
        assert.deepEqual(stores.describe(), {
          phase: 'idle',
          reads: 'postgres',
          writes: 'postgres',
          mirror: undefined,
        });
      });

      it('dual-write: an event is handled once, by PostgreSQL’s inbox, and its changes copied to OpenSearch', async () => {
        await stores.state.start(SERVICE, 'postgres', 'opensearch');
        await stores.router.refresh();
        const product = aProduct();
        const event = productEvent(product);
        assert.equal(await handle(event), true);
        assert.equal(await handle(event), false, 'a redelivered event is skipped');
        assert.equal(await nameIn(pg, product.id), product.name);
        assert.equal(await nameIn(os, product.id), product.name);
        assert.equal(await inPgInbox(event), true);
        assert.equal(await inOsInbox(event), false, 'the copy records no event');

        // a stock level goes the same way, and moves inStock on both stores
        await index.setStock(`LAMP-${made}`, 2, 1);
        for (const side of [pg, os]) {
          const [record] = await side.read('products', [product.id]);
          assert.equal((record!.body as IndexedProduct).inStock, true, side.store);
        }
        // an archive leaves a tombstone on both
        assert.equal(await handle(productEvent({ ...product, status: 'archived', version: 2 })), true);
        assert.equal((await os.read('products', [product.id]))[0]!.version, 2);

        // reads stay on PostgreSQL; a reindex is refused while search moves
        assert.ok(!(await searchedIds()).includes(product.id));
        await assert.rejects(index.startRebuild(), { code: 'SEARCH.MIGRATION_IN_PROGRESS' });
      });

      it('a copy that fails never fails the event: the key goes to the repair log', async () => {
        const product = aProduct();
        os.failing = true;
        try {
          assert.equal(await handle(productEvent(product)), true);
        } finally {
          os.failing = false;
        }
        assert.equal(await nameIn(pg, product.id), product.name);
        assert.equal(await nameIn(os, product.id), undefined);
        const logged = await stores.state.repairs.list(SERVICE, 10);
        assert.deepEqual(
          logged.map((entry) => [entry.kind, entry.key]),
          [['products', product.id]],
        );
        await os.upsertIfNewer('products', await pg.read('products', [product.id]));
        await stores.state.repairs.remove(SERVICE, 'products', [product.id]);
      });

      it('read-switch reads OpenSearch; write-switch makes OpenSearch’s inbox the one that dedups', async () => {
        await moveTo('read-switch');
        const only = aProduct();
        await os.upsertIfNewer('products', [
          {
            key: only.id,
            version: 1,
            body: {
              id: only.id,
              version: 1,
              searchable: true,
              inStock: false,
              document: {
                id: only.id,
                slug: only.slug,
                name: only.name,
                brand: 'Lumo',
                category: 'lamps',
                description: '',
                currency: 'EUR',
                price: '25',
                skus: [],
                version: 1,
              },
            } satisfies IndexedProduct,
          },
        ]);
        await os.visible();
        assert.ok((await searchedIds()).includes(only.id), 'searched in OpenSearch');
        // a change this process applies is found by its next search (the copy made visible first)
        const applied = aProduct();
        await handle(productEvent(applied));
        assert.ok((await searchedIds()).includes(applied.id));

        await moveTo('write-switch');
        const product = aProduct();
        const event = productEvent(product);
        assert.equal(await handle(event), true);
        assert.equal(await handle(event), false);
        assert.equal(await inOsInbox(event), true);
        assert.equal(await inPgInbox(event), false);
        assert.equal(await nameIn(pg, product.id), product.name, 'PostgreSQL still gets every change');
        assert.deepEqual(stores.describe(), {
          phase: 'write-switch',
          reads: 'opensearch',
          writes: 'opensearch',
          mirror: 'postgres',
        });
        await stores.state.rollback(SERVICE);
        await stores.router.refresh();
      });
    },
  );
}
