import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import { postgresTargets } from '@polyshop/testing';
import type { TestPlatform } from '@polyshop/platform/testing';
import { SearchHttpClient, type SearchResult } from '../../src/index.ts';
import { generateCatalog, generateStock } from '../fixtures/catalog-generator.ts';
import { bruteFacet, bruteFilter, bruteHistogram, expectedIndex } from '../fixtures/brute-force.ts';
import { productEvent, stockEvent } from '../contract/search-contract-helpers.ts';
import { getSearch, publish, searchPlatform } from './search-platform.ts';

const catalog = generateCatalog(3, 80);
const stock = generateStock(3, catalog);
const docs = expectedIndex(catalog, stock);

for (const target of postgresTargets()) {
  describe(`GET /search/products on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    before(async () => {
      platform = await searchPlatform(target.name);
      await publish(
        platform,
        ...catalog.map(productEvent),
        ...[...stock].map(([sku, n]) => stockEvent(sku, n)),
      );
    });
    after(async () => {
      await platform?.dispose();
    });

    it("answers the issue's query shape without a token: hits, exact total, facets and histogram", async () => {
      const query =
        'q=&category=&brand=&inStock=true&minPrice=200&maxPrice=800&facets=brand,category&histogram=price:100&sort=price&limit=5';
      const { status, body } = await getSearch(platform, query);
      assert.equal(status, 200);
      const expected = bruteFilter(docs, { inStock: true, minPrice: '200', maxPrice: '800' });
      assert.equal(body.total, expected.length);
      assert.deepEqual(Object.keys(body).sort(), ['facets', 'histograms', 'hits', 'nextCursor', 'total']);
      assert.deepEqual(Object.keys(body.hits[0]).sort(), [
        'brand',
        'category',
        'currency',
        'highlight',
        'id',
        'inStock',
        'name',
        'price',
        'score',
        'slug',
      ]);
      for (const hit of body.hits) {
        assert.match(hit.price, /^\d+\.\d{2}$/);
        assert.equal(hit.inStock, true);
      }
      assert.deepEqual(body.facets, {
        brand: bruteFacet(expected, 'brand'),
        category: bruteFacet(expected, 'category'),
      });
      assert.deepEqual(body.histograms, { price: bruteHistogram(expected, '100') });
    });

    it('pages with nextCursor until null, each product once', async () => {
      const seen: string[] = [];
      let cursor = '';
      do {
        const { body } = await getSearch(platform, `sort=-price&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...body.hits.map((hit: { id: string }) => hit.id));
        cursor = body.nextCursor ?? '';
      } while (cursor);
      assert.equal(seen.length, docs.length);
      assert.equal(new Set(seen).size, docs.length);
    });

    it('takes repeated brand parameters as any of them', async () => {
      const brands = ['Acme', 'Nova'];
      const { body } = await getSearch(platform, 'brand=Acme&brand=Nova&limit=100');
      assert.equal(body.total, bruteFilter(docs, { brands }).length);
      assert.ok(body.hits.every((hit: { brand: string }) => brands.includes(hit.brand)));
    });

    const refusals: [string, string][] = [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=101', 'limit'],
      ['histogram=price', 'histogram'],
      ['histogram=price:0', 'histogram'],
      ['histogram=price:-100', 'histogram'],
      ['histogram=stock:10', 'histogram'],
      ['histogram=price:0.001', 'histogram'],
      ['facets=brand,colour', 'facets'],
      ['sort=name', 'sort'],
      ['minPrice=800&maxPrice=200', 'minPrice'],
      ['minPrice=cheap', 'minPrice'],
      ['maxPrice=1e9', 'maxPrice'],
      ['inStock=maybe', 'inStock'],
      ['cursor=not-a-cursor', 'cursor'],
      [`q=${'x'.repeat(201)}`, 'q'],
      ['colour=red', 'colour'],
    ];
    for (const [query, field] of refusals) {
      it(`answers ${query.slice(0, 40)} with a 400 problem naming ${field}`, async () => {
        const { status, type, body } = await getSearch(platform, query);
        assert.equal(status, 400);
        assert.match(String(type), /application\/problem\+json/);
        assert.equal(body.field, field);
        assert.match(body.code, /^(SEARCH|REQUEST)\./);
      });
    }

    it('refuses a cursor carried over to another sort', async () => {
      const first = await getSearch(platform, 'sort=price&limit=2');
      const { status, body } = await getSearch(
        platform,
        `sort=-price&limit=2&cursor=${first.body.nextCursor}`,
      );
      assert.equal(status, 400);
      assert.deepEqual([body.code, body.field], ['SEARCH.INVALID_CURSOR', 'cursor']);
    });

    it('documents the route in OpenAPI', async () => {
      const spec = (await platform.app.inject({ method: 'GET', url: '/docs/json' })).json();
      assert.ok(spec.paths['/search/products'].get);
    });

    it('gives the same answers and errors through the HTTP client as in-process', async () => {
      const address = await platform.app.listen({ port: 0, host: '127.0.0.1' });
      const remote = new SearchHttpClient(address);
      const local = platform.module('search')!.client!;
      const params = {
        q: 'pro',
        brand: ['Acme', 'Zenith'],
        facets: 'brand',
        histogram: 'price:250',
        sort: 'relevance',
      };
      const [overHttp, inProcess]: SearchResult[] = await Promise.all([
        remote.searchProducts(params),
        local.searchProducts(params),
      ]);
      assert.deepEqual(overHttp, inProcess);
      await assert.rejects(
        remote.searchProducts({ limit: '0' }),
        (error: unknown) =>
          error instanceof AppError && error.field === 'limit' && error.kind === 'invalid_input',
      );
    });
  });
}
