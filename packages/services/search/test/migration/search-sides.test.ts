import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareCodePoints, verifyStores, type MigrationSide } from '@polyshop/migration';
import type { OpenSearchConnection, SqlDatabase } from '@polyshop/stores';
import { openSearchTarget, postgresTargets } from '@polyshop/testing';
import { canonicalOf, scanAll } from '@polyshop/migration/testing';
import { OpenSearchSearchSide } from '../../src/adapters/migration/opensearch-search-side.ts';
import { PostgresSearchSide } from '../../src/adapters/migration/postgres-search-side.ts';
import type { IndexedProduct } from '../../src/adapters/migration/search-migration-kinds.ts';
import { OpenSearchProductSearchIndex } from '../../src/adapters/opensearch/opensearch-product-search-index.ts';
import {
  migrateSearchSchema,
  PostgresProductSearchIndex,
} from '../../src/adapters/postgres/postgres-product-search-index.ts';
import { parseSearchQuery } from '../../src/domain/parse-search-query.ts';
import type { SearchDocument } from '../../src/domain/search-document.ts';
import type { ProductSearchIndex } from '../../src/ports/product-search-index.ts';

function doc(id: string, overrides: Partial<SearchDocument> = {}): SearchDocument {
  return {
    id,
    slug: `slug-${id}`,
    name: `Trail ${id} runner`,
    brand: 'Acme',
    category: 'shoes',
    description: `A light shoe (${id}).`,
    currency: 'EUR',
    price: '49.9',
    skus: [`${id}-S`, `${id}-M`],
    version: 1,
    ...overrides,
  };
}

/** The same content through the index port of a store: stock, products, a tombstone. */
async function seed(index: ProductSearchIndex): Promise<void> {
  await index.setStock('p1-S', 3, 2);
  await index.setStock('p2-M', 0, 5);
  await index.setStock('zz-unlinked', 7); // no version, no product
  await index.setStock('é-sku', 1, 1); // above ASCII: code-point order
  await index.upsert(doc('p1', { price: '49.90', version: 2 }));
  await index.upsert(doc('p2', { brand: null, price: '120', category: 'boots', version: 3 }));
  await index.upsert(doc('p3', { skus: ['é-sku'], price: '15.5' }));
  await index.upsert(doc('Ä4', { name: 'Ärger hiking boot', price: '99.99', category: 'boots' }));
  await index.upsert(doc('p5'));
  await index.remove('p5', 4); // a tombstone
  await index.remove('gone', 9); // a tombstone of a product never indexed
}

const opensearch = openSearchTarget();
for (const target of postgresTargets()) {
  describe(
    `search migration sides: ${target.name} ⇄ opensearch`,
    { skip: target.skip || opensearch.skip },
    () => {
      let db: SqlDatabase;
      let opened: { connection: OpenSearchConnection; namespace: string };
      let pgIndex: PostgresProductSearchIndex;
      let osIndex: OpenSearchProductSearchIndex;
      let pg: PostgresSearchSide;
      let os: OpenSearchSearchSide;
      let made = 0;

      before(async () => {
        db = await target.open();
        await migrateSearchSchema(db);
        opened = await opensearch.open();
      });
      after(async () => {
        if (db) await target.close(db);
        if (opened) await opensearch.close(opened);
      });

      /** Empty stores on both sides (a new OpenSearch index set each time). */
      async function fresh(): Promise<void> {
        await db.exec('TRUNCATE search.products, search.sku_stock, search.inbox');
        pgIndex = new PostgresProductSearchIndex(db);
        pg = new PostgresSearchSide(db);
        const prefix = `${opened.namespace}-${target.name}-${++made}`;
        osIndex = await OpenSearchProductSearchIndex.open(opened.connection.client, prefix);
        os = await OpenSearchSearchSide.open(opened.connection.client, prefix);
      }

      async function copyAll(from: MigrationSide, to: MigrationSide): Promise<void> {
        for (const kind of from.kinds) await to.upsertIfNewer(kind, await scanAll(from, kind));
      }

      it('scans products (tombstones included) and stock levels in code-point key order, with versions', async () => {
        await fresh();
        await seed(pgIndex);
        await seed(osIndex);
        for (const side of [pg, os]) {
          const products = await scanAll(side, 'products');
          assert.deepEqual(
            products.map((r) => [r.key, r.version]),
            [
              ['gone', 9],
              ['p1', 2],
              ['p2', 3],
              ['p3', 1],
              ['p5', 4],
              ['Ä4', 1],
            ].sort(([a], [b]) => compareCodePoints(a as string, b as string)),
            side.store,
          );
          const stock = await scanAll(side, 'stock', 2);
          assert.deepEqual(
            stock.map((r) => [r.key, r.version]),
            [
              ['p1-S', 2],
              ['p2-M', 5],
              ['zz-unlinked', 0],
              ['é-sku', 1],
            ],
            side.store,
          );
          assert.equal(await side.lastKey('products'), 'Ä4');
          assert.equal(await side.lastKey('stock'), 'é-sku');
          assert.equal(await side.count('products'), 6);
          assert.equal(await side.count('stock'), 4);
          const [p1] = await side.read('products', ['p1', 'nothing']);
          const body = p1!.body as IndexedProduct;
          assert.equal(body.inStock, true, `${side.store}: p1-S has 3 units`);
        }
        // the same content written through either store's index has the same canonical forms
        for (const kind of pg.kinds) {
          assert.deepEqual(
            canonicalOf(pg, kind, await scanAll(pg, kind)),
            canonicalOf(os, kind, await scanAll(os, kind)),
            kind,
          );
        }
        const report = await verifyStores({ source: pg, target: os, batchSize: 4 });
        assert.equal(report.clean, true, JSON.stringify(report.details));
        assert.ok(report.kinds.queries!.source >= 5, 'the query sample ran');
      });

      for (const direction of ['postgres → opensearch', 'opensearch → postgres'] as const) {
        it(`copies every record ${direction} by version: same canonical forms, searches and verify`, async () => {
          await fresh();
          const [from, to, fromIndex] = direction.startsWith('postgres')
            ? [pg, os, pgIndex]
            : [os, pg, osIndex];
          await seed(fromIndex);
          await copyAll(from, to);
          for (const kind of from.kinds) {
            assert.deepEqual(
              canonicalOf(to, kind, await scanAll(to, kind)),
              canonicalOf(from, kind, await scanAll(from, kind)),
              kind,
            );
          }
          // what users see: the target's own index answers as the source's does
          const query = parseSearchQuery({ facets: 'brand,category', sort: 'price', histogram: 'price:50' });
          const toIndex = to === pg ? pgIndex : osIndex;
          const [a, b] = [await fromIndex.search(query), await toIndex.search(query)];
          assert.deepEqual(
            b.hits.map((h) => [h.id, h.price, h.inStock]),
            a.hits.map((h) => [h.id, h.price, h.inStock]),
          );
          assert.deepEqual([b.total, b.facets, b.histograms], [a.total, a.facets, a.histograms]);
          assert.equal((await verifyStores({ source: from, target: to, batchSize: 2 })).clean, true);

          // again: equal versions write nothing; an older one neither; a newer one does
          for (const kind of from.kinds) {
            assert.deepEqual(await to.upsertIfNewer(kind, await scanAll(from, kind)), [], kind);
          }
          const [p1] = await from.read('products', ['p1']);
          const held = p1!.body as IndexedProduct;
          const older = {
            ...p1!,
            version: 1,
            body: { ...held, version: 1, document: { ...held.document!, version: 1 } },
          };
          assert.deepEqual(await to.upsertIfNewer('products', [older]), []);
          await fromIndex.upsert(doc('p1', { name: 'Renamed runner', price: '10', version: 7 }));
          assert.deepEqual(await to.upsertIfNewer('products', await from.read('products', ['p1'])), ['p1']);
          assert.equal(
            ((await to.read('products', ['p1']))[0]!.body as IndexedProduct).document!.name,
            'Renamed runner',
          );
          // force overwrites a newer copy (repair)
          assert.deepEqual(await to.upsertIfNewer('products', [older], { force: true }), ['p1']);
          assert.equal((await to.read('products', ['p1']))[0]!.version, 1);
        });
      }

      it('a stock level copied moves inStock of the target’s products; remove takes records away', async () => {
        await fresh();
        await seed(pgIndex);
        await copyAll(pg, os);
        await pgIndex.setStock('p1-S', 0, 3);
        await os.upsertIfNewer('stock', await pg.read('stock', ['p1-S']));
        const [p1] = await os.read('products', ['p1']);
        assert.equal((p1!.body as IndexedProduct).inStock, false);
        assert.equal((await verifyStores({ source: pg, target: os, batchSize: 10 })).clean, true);

        // a level with no version replaces any held one; a versioned older one does not
        assert.deepEqual(
          await os.upsertIfNewer('stock', [
            { key: 'p1-S', version: 2, body: { sku: 'p1-S', available: 9, version: 2 } },
          ]),
          [],
        );
        assert.deepEqual(
          await os.upsertIfNewer('stock', [
            { key: 'p1-S', version: 0, body: { sku: 'p1-S', available: 9, version: null } },
          ]),
          ['p1-S'],
        );
        assert.equal(((await os.read('products', ['p1']))[0]!.body as IndexedProduct).inStock, true);

        for (const side of [pg, os]) {
          await side.remove('stock', ['p1-S']);
          await side.remove('products', ['p2']);
          assert.deepEqual(await side.read('stock', ['p1-S']), [], side.store);
          assert.deepEqual(await side.read('products', ['p2']), [], side.store);
          assert.equal(((await side.read('products', ['p1']))[0]!.body as IndexedProduct).inStock, false);
        }
        const report = await verifyStores({ source: pg, target: os, batchSize: 10 });
        assert.equal(report.clean, true, JSON.stringify(report.details));
      });

      it('verify reports a product that differs, and the query whose answer it changes; repair fixes both', async () => {
        await fresh();
        await seed(pgIndex);
        await copyAll(pg, os);
        await osIndex.upsert(doc('p3', { skus: ['é-sku'], price: '500', version: 2 }));
        const report = await verifyStores({ source: pg, target: os, batchSize: 10, settle: { pauseMs: 5 } });
        assert.equal(report.clean, false);
        assert.equal(report.kinds.products!.different, 1);
        assert.ok(report.kinds.queries!.different >= 1, JSON.stringify(report.kinds));
        assert.ok(report.details.some((d) => d.kind === 'queries' && d.key.includes('sort=price')));
        const repaired = await verifyStores({ source: pg, target: os, batchSize: 10, repair: true });
        assert.equal(repaired.repaired!.copied, 1);
        assert.equal((await verifyStores({ source: pg, target: os, batchSize: 10 })).clean, true);
      });

      it('drop empties a side', async () => {
        await fresh();
        await seed(pgIndex);
        await copyAll(pg, os);
        await os.drop();
        assert.equal(await os.count('products'), 0);
        assert.equal(await os.count('stock'), 0);
        await pg.drop();
        assert.equal(await pg.count('products'), 0);
      });
    },
  );
}
