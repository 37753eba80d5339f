import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reindexCatalog } from '../../src/app/reindex-catalog.ts';
import { toSearchDocument } from '../../src/domain/search-document.ts';
import type { SearchParams } from '../../src/domain/parse-search-query.ts';
import type { SearchResult } from '../../src/domain/search-query.ts';
import type { ProductSearchIndex } from '../../src/ports/product-search-index.ts';
import {
  aProduct,
  BRANDS,
  CATEGORIES,
  generateCatalog,
  generateStock,
  scrambledHistory,
} from '../fixtures/catalog-generator.ts';
import { brutePriceOrder, expectedIndex } from '../fixtures/brute-force.ts';
import {
  allHits,
  applyEvents,
  listCatalog,
  productEvent,
  search,
  stockEvent,
  type MakeIndex,
} from './search-contract-helpers.ts';

const ids = async (index: ProductSearchIndex, params: SearchParams = {}) =>
  (await search(index, params)).hits.map((hit) => hit.id);

/** Version guards, stock knowledge, and rebuilds that equal incremental indexing. */
export function searchIndexingContract(makeIndex: MakeIndex): void {
  describe('versions', () => {
    let index: ProductSearchIndex;
    before(async () => {
      index = await makeIndex();
    });

    it('applies only a newer version of a product', async () => {
      const v1 = aProduct({ name: 'Version One' });
      assert.equal(await index.upsert(toSearchDocument(v1)), true);
      assert.equal(await index.upsert(toSearchDocument(v1)), false, 'the same version again changes nothing');
      assert.equal(await index.upsert(toSearchDocument({ ...v1, version: 3, name: 'Version Three' })), true);
      assert.equal(
        await index.upsert(toSearchDocument({ ...v1, version: 2, name: 'Version Two' })),
        false,
        'a late older version is ignored',
      );
      assert.deepEqual(
        (await search(index, { q: 'version' })).hits.map((hit) => hit.name),
        ['Version Three'],
      );
      assert.equal(await index.count(), 1);
    });

    it('removes a product at its version and keeps older versions from bringing it back', async () => {
      const product = aProduct({ name: 'Tombstone Widget', version: 3 });
      await index.upsert(toSearchDocument(product));
      assert.equal(await index.remove(product.id, 2), false, 'an older removal loses to the held version');
      assert.deepEqual(await ids(index, { q: 'tombstone' }), [product.id]);
      assert.equal(await index.remove(product.id, 3), true, 'a removal wins a tie');
      assert.deepEqual(await ids(index, { q: 'tombstone' }), []);
      assert.equal(await index.upsert(toSearchDocument(product)), false);
      assert.equal(await index.upsert(toSearchDocument({ ...product, version: 2 })), false);
      assert.deepEqual(await ids(index, { q: 'tombstone' }), []);
      assert.equal(
        await index.upsert(toSearchDocument({ ...product, version: 4 })),
        true,
        'a newer version is back',
      );
      assert.deepEqual(await ids(index, { q: 'tombstone' }), [product.id]);
    });

    it('remembers the removal of a product it never indexed', async () => {
      const product = aProduct({ name: 'Never Seen', version: 5 });
      assert.equal(await index.remove(product.id, 5), true);
      assert.equal(await index.upsert(toSearchDocument({ ...product, version: 4 })), false);
      assert.deepEqual(await ids(index, { q: 'never seen' }), []);
    });
  });

  describe('stock', () => {
    let index: ProductSearchIndex;
    const product = aProduct({
      name: 'Stocky Boots',
      variants: [
        { sku: 'BOOT-40', price: '80.00' },
        { sku: 'BOOT-41', price: '90.00' },
      ],
    });
    const inStock = async () => (await search(index, { q: 'stocky' })).hits[0]?.inStock;
    before(async () => {
      index = await makeIndex();
    });

    it('knows stock that arrived before the product', async () => {
      await index.setStock('BOOT-40', 3);
      await index.upsert(toSearchDocument(product));
      assert.equal(await inStock(), true);
      assert.deepEqual(await ids(index, { inStock: true }), [product.id]);
    });

    it('is in stock while any variant has stock available, and follows every change', async () => {
      await index.setStock('BOOT-40', 0);
      assert.equal(await inStock(), false);
      assert.deepEqual(await ids(index, { inStock: true }), []);
      assert.deepEqual(await ids(index, { inStock: false }), [product.id]);
      await index.setStock('BOOT-41', 2);
      assert.equal(await inStock(), true);
      await index.setStock('BOOT-41', -1);
      assert.equal(await inStock(), false, 'oversold is not in stock');
      await index.setStock('BOOT-40', 1);
      assert.equal(await inStock(), true);
    });

    it('ignores a stock event older than the one applied (a late or redelivered inventory.changed)', async () => {
      const lantern = aProduct({
        name: 'Versioned Lantern',
        variants: [{ sku: 'LANTERN-1', price: '20.00' }],
      });
      const lanternInStock = async () => (await search(index, { q: 'versioned' })).hits[0]?.inStock;
      await index.upsert(toSearchDocument(lantern));
      await index.setStock('LANTERN-1', 0, 7);
      await index.setStock('LANTERN-1', 1, 6);
      assert.equal(await lanternInStock(), false, 'version 6 arrived after version 7 and changed nothing');
      await index.setStock('LANTERN-1', 1, 7);
      assert.equal(await lanternInStock(), false, 'the same version again changes nothing');
      await index.setStock('LANTERN-1', 2, 8);
      assert.equal(await lanternInStock(), true);
      await index.setStock('LANTERN-1', 0);
      assert.equal(await lanternInStock(), false, 'an event without a version always applies');
    });

    it('recomputes stock when a new version changes the variants', async () => {
      await index.upsert(
        toSearchDocument({ ...product, version: 2, variants: [{ sku: 'BOOT-41', price: '90.00' }] }),
      );
      assert.equal(await inStock(), false, 'only BOOT-41 is left, and it has none');
      await index.setStock('BOOT-40', 0);
      await index.upsert(toSearchDocument({ ...product, version: 3 }));
      assert.equal(await inStock(), false);
      await index.setStock('BOOT-41', 4);
      assert.equal(await inStock(), true);
    });
  });

  describe('rebuild', () => {
    const seed = 11;
    const catalog = generateCatalog(seed, 150);
    const stock = generateStock(seed, catalog);
    const expected = expectedIndex(catalog, stock);
    const queries: SearchParams[] = [
      { facets: 'brand,category', histogram: 'price:100', limit: 100 },
      { q: 'phone', facets: 'brand', histogram: 'price:250' },
      { q: 'pro', sort: 'price', limit: 50 },
      { category: CATEGORIES[0], inStock: true, sort: '-price', facets: 'brand' },
      { brand: [BRANDS[0], BRANDS[5]], minPrice: '50', maxPrice: '900.50', histogram: 'price:50' },
      { inStock: false, limit: 100, facets: 'category' },
    ];
    const results = (index: ProductSearchIndex) =>
      Promise.all(queries.map((params) => search(index, params)));
    let incremental: SearchResult[];

    it("indexes a scrambled, repeated event history to the catalog's final state", async () => {
      const index = await makeIndex();
      const events = scrambledHistory(seed, catalog, stock).map((change) =>
        'product' in change ? productEvent(change.product) : stockEvent(change.sku, change.available),
      );
      await applyEvents(index, events);
      assert.equal(await index.count(), expected.length);
      const hits = await allHits(index, { sort: 'price', limit: 100 });
      assert.deepEqual(
        hits.map((hit) => hit.id),
        brutePriceOrder(expected, 1),
      );
      const byId = new Map(expected.map((doc) => [doc.id, doc]));
      for (const hit of hits) assert.equal(hit.inStock, byId.get(hit.id)!.inStock, hit.id);
      incremental = await results(index);

      // The same index rebuilt from the catalog answers the same, minus a product the catalog lacks.
      const stray = aProduct({ name: 'Stray Phone' });
      await index.upsert(toSearchDocument(stray));
      const summary = await reindexCatalog({ index, catalog: () => listCatalog(catalog) }, { pageSize: 40 });
      assert.deepEqual(summary, {
        read: catalog.length,
        indexed: expected.length,
        inactive: catalog.length - expected.length,
        removed: 1,
      });
      assert.deepEqual(await results(index), incremental);
    });

    it('rebuilds an empty index from the catalog to the same answers as incremental indexing', async () => {
      const index = await makeIndex();
      await applyEvents(
        index,
        [...stock].map(([sku, available]) => stockEvent(sku, available)),
      );
      const progress: number[] = [];
      await reindexCatalog(
        { index, catalog: () => listCatalog(catalog) },
        {
          pageSize: 64,
          onProgress: (p) => progress.push(p.read),
        },
      );
      assert.deepEqual(progress, [64, 128, 150]);
      assert.deepEqual(await results(index), incremental);
    });

    it('keeps what events write while a rebuild runs', async () => {
      const index = await makeIndex();
      const [kept, updated, removed, added, gone] = ['Kept', 'Updated', 'Removed', 'Added', 'Gone'].map(
        (name) => aProduct({ name: `Rebuild ${name}` }),
      ) as [ReturnType<typeof aProduct>, ...ReturnType<typeof aProduct>[]];
      for (const product of [kept, updated!, removed!, gone!]) await index.upsert(toSearchDocument(product));
      const rebuild = await index.startRebuild();
      await applyEvents(index, [
        productEvent({ ...updated!, version: 2, name: 'Rebuild Updated Again' }),
        productEvent({ ...removed!, version: 2, status: 'archived' }),
        productEvent(added!),
      ]);
      // The catalog pages were read before those events: they hold the older versions.
      await rebuild.add([kept, updated!, removed!].map(toSearchDocument));
      assert.deepEqual(await rebuild.commit(), { removed: 1 });
      const names = (await allHits(index, { q: 'rebuild' })).map((hit) => hit.name).sort();
      assert.deepEqual(names, ['Rebuild Added', 'Rebuild Kept', 'Rebuild Updated Again']);
    });
  });
}
