import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OpenSearchConnection } from '@polyshop/stores';
import { openSearchTarget, testServerUrl } from '@polyshop/testing';
import type { TestPlatform } from '@polyshop/platform/testing';
import { generateCatalog, generateStock, aProduct } from '../fixtures/catalog-generator.ts';
import { bruteFacet, bruteFilter, bruteHistogram, expectedIndex } from '../fixtures/brute-force.ts';
import { productEvent, stockEvent } from '../contract/search-contract-helpers.ts';
import { getSearch, publish, searchPlatform } from './search-platform.ts';

const target = openSearchTarget();
const OPENSEARCH_URL = 'POLYSHOP_TEST_OPENSEARCH_URL';

describe('the search service on OpenSearch through the platform', { skip: target.skip }, () => {
  let opened: { connection: OpenSearchConnection; namespace: string };
  let platform: TestPlatform;
  let prefix: string;
  const catalog = generateCatalog(5, 60);
  const stock = generateStock(5, catalog);
  const docs = expectedIndex(catalog, stock);

  before(async () => {
    opened = await target.open();
    prefix = `${opened.namespace}-platform`;
    platform = await searchPlatform('pglite', {
      SEARCH_STORE: 'opensearch',
      OPENSEARCH_URL: testServerUrl(OPENSEARCH_URL)!,
      SEARCH_OPENSEARCH_INDEX_PREFIX: prefix,
    });
  });
  after(async () => {
    await platform?.dispose();
    if (opened) await target.close(opened);
  });

  const names = async (query: string) =>
    (await getSearch(platform, query)).body.hits.map((hit: { name: string }) => hit.name);

  it('keeps the index in OpenSearch, with its mapping', async () => {
    const { body } = await opened.connection.client.indices.getMapping({ index: `${prefix}-products` });
    const [mapping] = Object.values(body) as {
      mappings: { properties: Record<string, { type: string; analyzer?: string }> };
    }[];
    assert.equal(mapping!.mappings.properties.name!.analyzer, 'english');
    assert.equal(mapping!.mappings.properties.price_scaled!.type, 'long');
    const ready = await platform.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
  });

  it('makes a product.created searchable, an archived one disappear, and ignores a late older event', async () => {
    const product = aProduct({
      name: 'Quasar Phone',
      basePrice: '499.00',
      variants: [{ sku: 'QUASAR-1', price: '499.00' }],
    });
    await publish(platform, productEvent(product));
    const { status, body } = await getSearch(platform, 'q=quasar');
    assert.equal(status, 200);
    assert.deepEqual(
      body.hits.map((hit: { name: string; price: string; highlight: unknown }) => [
        hit.name,
        hit.price,
        hit.highlight,
      ]),
      [['Quasar Phone', '499.00', { name: '<em>Quasar</em> Phone' }]],
    );
    await publish(platform, productEvent({ ...product, version: 2, status: 'archived' }));
    assert.deepEqual(await names('q=quasar'), []);
    await publish(platform, productEvent({ ...product, name: 'Quasar Phone (late)' }));
    assert.deepEqual(await names('q=quasar'), [], 'a late older event does not bring it back');
  });

  it('handles a redelivered event once, recording it in the OpenSearch inbox', async () => {
    const product = aProduct({
      name: 'Comet Charger',
      basePrice: '20.00',
      variants: [{ sku: 'COMET-1', price: '20.00' }],
    });
    const update = productEvent({ ...product, version: 2, variants: [{ sku: 'COMET-1', price: '15.50' }] });
    await publish(platform, productEvent(product), update, update);
    assert.equal((await getSearch(platform, 'q=comet')).body.hits[0].price, '15.50');
    const client = opened.connection.client;
    await client.indices.refresh({ index: `${prefix}-inbox` });
    const { body } = await client.count({
      index: `${prefix}-inbox`,
      body: { query: { term: { event_id: update.id } } },
    });
    assert.equal(body.count, 1);
  });

  it('answers GET /search/products with exact totals, facets and histograms over published events', async () => {
    await publish(
      platform,
      ...catalog.map(productEvent),
      ...[...stock].map(([sku, n]) => stockEvent(sku, n)),
    );
    const generated = (hit: { id: string }) => docs.some((doc) => doc.id === hit.id);
    const { status, body } = await getSearch(
      platform,
      'category=smartphones&category=laptops&inStock=true&minPrice=100&facets=brand,category&histogram=price:250&sort=price&limit=100',
    );
    assert.equal(status, 200);
    const expected = bruteFilter(docs, {
      categories: ['laptops', 'smartphones'],
      inStock: true,
      minPrice: '100',
    });
    assert.equal(body.total, expected.length);
    assert.ok(body.hits.every(generated));
    assert.deepEqual(body.facets, {
      brand: bruteFacet(expected, 'brand'),
      category: bruteFacet(expected, 'category'),
    });
    assert.deepEqual(body.histograms, { price: bruteHistogram(expected, '250') });
  });

  it('refuses a histogram of too many buckets with a 400 problem naming histogram', async () => {
    const { status, type, body } = await getSearch(platform, 'histogram=price:0.01');
    assert.equal(status, 400);
    assert.match(String(type), /application\/problem\+json/);
    assert.deepEqual([body.code, body.field], ['SEARCH.TOO_MANY_BUCKETS', 'histogram']);
  });
});

describe('choosing the search store', { skip: target.skip }, () => {
  let opened: { connection: OpenSearchConnection; namespace: string };
  before(async () => {
    opened = await target.open();
  });
  after(async () => {
    if (opened) await target.close(opened);
  });

  it('puts search on OpenSearch in the polyglot profile, creating its indexes once however many processes start', async () => {
    const prefix = `${opened.namespace}-polyglot`;
    const env = {
      POLYSHOP_PROFILE: 'polyglot',
      OPENSEARCH_URL: testServerUrl(OPENSEARCH_URL)!,
      SEARCH_OPENSEARCH_INDEX_PREFIX: prefix,
    };
    const platforms = await Promise.all([searchPlatform('pglite', env), searchPlatform('pglite', env)]);
    try {
      const { body } = await opened.connection.client.indices.exists({
        index: [`${prefix}-products`, `${prefix}-sku-stock`, `${prefix}-inbox`],
      });
      assert.equal(body, true);
      await publish(platforms[0], productEvent(aProduct({ name: 'Polyglot Lantern' })));
      assert.equal((await getSearch(platforms[0], 'q=lantern')).body.total, 1);
    } finally {
      await Promise.all(platforms.map((platform) => platform.dispose()));
    }
  });

  it('stops start-up naming SEARCH_OPENSEARCH_INDEX_PREFIX when it is not a valid index name', async () => {
    const env = {
      SEARCH_STORE: 'opensearch',
      OPENSEARCH_URL: testServerUrl(OPENSEARCH_URL)!,
      SEARCH_OPENSEARCH_INDEX_PREFIX: 'Bad Prefix',
    };
    await assert.rejects(searchPlatform('pglite', env), /SEARCH_OPENSEARCH_INDEX_PREFIX/);
  });
});
