import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SearchParams } from '../../src/domain/parse-search-query.ts';
import type { SearchHit } from '../../src/domain/search-query.ts';
import type { ProductSearchIndex } from '../../src/ports/product-search-index.ts';
import { parseSearchQuery } from '../../src/domain/parse-search-query.ts';
import { BRANDS, CATEGORIES, generateCatalog, generateStock } from '../fixtures/catalog-generator.ts';
import {
  bruteFacet,
  bruteFilter,
  bruteHistogram,
  brutePriceOrder,
  expectedIndex,
  shownPrice,
  type ExpectedDoc,
} from '../fixtures/brute-force.ts';
import { allHits, load, search, type MakeIndex } from './search-contract-helpers.ts';

const SEED = 7;
const PRODUCTS = 300;

/** Filters, sorts, paging, facets and histograms against brute-force counts over a generated catalog. */
export function searchFiltersContract(makeIndex: MakeIndex): void {
  describe(`filters, facets and histograms over ${PRODUCTS} generated products`, () => {
    let index: ProductSearchIndex;
    const catalog = generateCatalog(SEED, PRODUCTS);
    const stock = generateStock(SEED, catalog);
    const docs = expectedIndex(catalog, stock);
    const byId = new Map(docs.map((doc) => [doc.id, doc]));
    const somePrice = docs[3]!.price;

    // Every filter alone, lists of values, exact price bounds, and all of them at once.
    const filterCases: SearchParams[] = [
      {},
      { category: CATEGORIES[0] },
      { category: [CATEGORIES[1]!, CATEGORIES[2]!] },
      { brand: BRANDS[0] },
      { brand: [BRANDS[1], BRANDS[2]] },
      { brand: 'No Such Brand' },
      { inStock: true },
      { inStock: false },
      { minPrice: '200' },
      { maxPrice: '800' },
      { minPrice: '200', maxPrice: '800' },
      { minPrice: somePrice, maxPrice: somePrice },
      {
        category: CATEGORIES[3],
        brand: [BRANDS[3], BRANDS[4]],
        inStock: true,
        minPrice: '100',
        maxPrice: '1200.50',
      },
    ];

    before(async () => {
      index = await makeIndex();
      await load(index, catalog, stock);
    });

    function assertHitMatches(hit: SearchHit, doc: ExpectedDoc | undefined): void {
      assert.ok(doc, `hit ${hit.id} is a searchable product`);
      assert.deepEqual(
        {
          name: hit.name,
          slug: hit.slug,
          brand: hit.brand,
          category: hit.category,
          price: hit.price,
          currency: hit.currency,
          inStock: hit.inStock,
        },
        {
          name: doc.name,
          slug: doc.slug,
          brand: doc.brand,
          category: doc.category,
          price: shownPrice(doc),
          currency: doc.currency,
          inStock: doc.inStock,
        },
      );
    }

    it('indexes every active product and none other', async () => {
      assert.equal(await index.count(), docs.length);
      assert.ok(docs.length < PRODUCTS, 'the generated catalog has inactive products too');
    });

    it('matches exactly the brute-force set for every filter, in price order', async () => {
      for (const params of filterCases) {
        const expected = bruteFilter(docs, parseSearchQuery(params).filters);
        const hits = await allHits(index, { ...params, sort: 'price', limit: 37 });
        assert.deepEqual(
          hits.map((hit) => hit.id),
          brutePriceOrder(expected, 1),
          JSON.stringify(params),
        );
        for (const hit of hits) assertHitMatches(hit, byId.get(hit.id));
        assert.equal((await search(index, params)).total, expected.length, JSON.stringify(params));
      }
    });

    it('counts facets and histograms exactly as brute force does, over the filtered set', async () => {
      for (const params of filterCases) {
        for (const interval of ['100', '250', '12.5']) {
          const result = await search(index, {
            ...params,
            facets: 'brand,category',
            histogram: `price:${interval}`,
            limit: 1,
          });
          const expected = bruteFilter(docs, parseSearchQuery(params).filters);
          const label = `${JSON.stringify(params)} price:${interval}`;
          assert.deepEqual(result.facets.brand, bruteFacet(expected, 'brand'), label);
          assert.deepEqual(result.facets.category, bruteFacet(expected, 'category'), label);
          assert.deepEqual(result.histograms.price, bruteHistogram(expected, interval), label);
        }
      }
    });

    it('counts facets and histograms over the products a full-text query matches', async () => {
      for (const q of ['phone', 'pro charger', 'battery', 'acme']) {
        const hits = await allHits(index, { q, limit: 50 });
        const matched = hits.map((hit) => byId.get(hit.id)!);
        for (const hit of hits) assertHitMatches(hit, byId.get(hit.id));
        assert.equal(new Set(hits.map((hit) => hit.id)).size, hits.length, `${q}: no hit twice across pages`);
        const result = await search(index, { q, facets: 'category,brand', histogram: 'price:200' });
        assert.equal(result.total, hits.length, q);
        assert.deepEqual(result.facets.brand, bruteFacet(matched, 'brand'), q);
        assert.deepEqual(result.facets.category, bruteFacet(matched, 'category'), q);
        assert.deepEqual(result.histograms.price, bruteHistogram(matched, '200'), q);
      }
    });

    it('sorts by price descending with id as the tiebreak, across pages', async () => {
      const hits = await allHits(index, { sort: '-price', limit: 23 });
      assert.deepEqual(
        hits.map((hit) => hit.id),
        brutePriceOrder(docs, -1),
      );
    });

    it('pages by relevance without losing or repeating a hit', async () => {
      const hits = await allHits(index, { limit: 40 });
      assert.deepEqual(
        hits.map((hit) => hit.id),
        docs.map((doc) => doc.id).sort(),
      );
    });

    it('puts a price on a bucket boundary in the bucket that starts there, and includes empty buckets', async () => {
      const histogram = (await search(index, { minPrice: '100', maxPrice: '300', histogram: 'price:100' }))
        .histograms.price!;
      const expected = bruteFilter(docs, { minPrice: '100', maxPrice: '300' });
      assert.deepEqual(histogram, bruteHistogram(expected, '100'));
      const narrow = (await search(index, { histogram: 'price:2' })).histograms.price!;
      assert.ok(
        narrow.some((bucket) => bucket.count === 0),
        'empty buckets between the lowest and highest are listed',
      );
      assert.equal(
        narrow.reduce((sum, bucket) => sum + bucket.count, 0),
        docs.length,
      );
    });

    it('refuses a histogram spanning too many buckets with a 400 on histogram', async () => {
      await assert.rejects(search(index, { histogram: 'price:0.01' }), {
        code: 'SEARCH.TOO_MANY_BUCKETS',
        field: 'histogram',
      });
    });

    it('answers an empty result with empty facets and histogram', async () => {
      const result = await search(index, { q: 'zzyzx', facets: 'brand', histogram: 'price:100' });
      assert.deepEqual(result, {
        total: 0,
        hits: [],
        facets: { brand: [] },
        histograms: { price: [] },
        nextCursor: null,
      });
    });
  });
}
