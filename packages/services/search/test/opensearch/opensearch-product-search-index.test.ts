import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { Client } from '@opensearch-project/opensearch';
import type { OpenSearchConnection } from '@polyshop/stores';
import { openSearchTarget } from '@polyshop/testing';
import { OpenSearchProductSearchIndex } from '../../src/adapters/opensearch/opensearch-product-search-index.ts';
import { toSearchDocument, type CatalogProduct } from '../../src/domain/search-document.ts';
import { aProduct, Random } from '../fixtures/catalog-generator.ts';
import { brutePriceOrder, bruteHistogram, expectedIndex } from '../fixtures/brute-force.ts';
import { allHits, search } from '../contract/search-contract-helpers.ts';

const target = openSearchTarget();

/** Runs `tasks` on `lanes` concurrent workers. */
async function inLanes(lanes: number, tasks: (() => Promise<unknown>)[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

/** A URL on 127.0.0.1 where nothing listens. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/**
 * The real client, except that the first bulk write to `productsIndex` waits until `release()`:
 * a test can then act while a product write is between reading the stock and landing.
 */
function holdProductWrites(client: Client, productsIndex: string) {
  let reached!: () => void;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding = true;
  const writesProducts = (params: { body?: unknown[] }) =>
    (params.body ?? []).some((line) =>
      Object.values(line as object).some((action) =>
        (action as { _index?: string })?._index?.startsWith(productsIndex),
      ),
    );
  const gated = new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (property !== 'bulk') return typeof value === 'function' ? value.bind(target) : value;
      return async (params: { body?: unknown[] }) => {
        if (holding && writesProducts(params)) {
          holding = false;
          reached();
          await released;
        }
        return target.bulk(params as never);
      };
    },
  });
  return { client: gated, held, release };
}

describe('OpenSearchProductSearchIndex beyond the contract', { skip: target.skip }, () => {
  let opened: { connection: OpenSearchConnection; namespace: string };
  let made = 0;
  const open = () =>
    OpenSearchProductSearchIndex.open(opened.connection.client, `${opened.namespace}-${++made}`);
  before(async () => {
    opened = await target.open();
  });
  after(async () => {
    if (opened) await target.close(opened);
  });

  it('settles inStock when stock changes between a product write reading the stock and landing', async () => {
    const prefix = `${opened.namespace}-gate`;
    const gate = holdProductWrites(opened.connection.client, `${prefix}-products`);
    const writer = await OpenSearchProductSearchIndex.open(gate.client, prefix);
    const other = await OpenSearchProductSearchIndex.open(opened.connection.client, prefix);
    const product = aProduct({ name: 'Gated Lamp', variants: [{ sku: 'GATE-1', price: '30.00' }] });
    const upsert = writer.upsert(toSearchDocument(product));
    await gate.held; // the writer has linked the SKU and read its stock (none): it is about to write inStock false
    await other.setStock('GATE-1', 5); // the product is not there yet for the stock writer to settle
    gate.release();
    assert.equal(await upsert, true);
    const [hit] = (await search(writer, { q: 'gated' })).hits;
    assert.equal(hit?.inStock, true);
  });

  it('ends with the newest version and the right inStock when two processes race products and stock', async () => {
    const prefix = `${opened.namespace}-race`;
    const [first, second] = await Promise.all([
      OpenSearchProductSearchIndex.open(opened.connection.client, prefix),
      OpenSearchProductSearchIndex.open(opened.connection.client, prefix),
    ]);
    const random = new Random(42);
    const VERSIONS = 5;
    const finals = Array.from({ length: 12 }, (_, i) =>
      aProduct({
        name: `Racer ${i}`,
        version: VERSIONS,
        variants: [
          { sku: `RACE-${i}-A`, price: '10.00' },
          { sku: `RACE-${i}-B`, price: '12.00' },
        ],
      }),
    );
    const stock = new Map(
      finals.flatMap((product) =>
        product.variants!.map((variant) => [variant.sku, random.chance(0.5) ? 0 : random.int(1, 9)] as const),
      ),
    );
    const tasks: (() => Promise<unknown>)[] = [];
    for (const product of finals) {
      for (let version = 1; version <= VERSIONS; version++) {
        const index = random.chance(0.5) ? first : second;
        // Older versions list one SKU or the other, so each write changes which stock counts.
        const variants = version === VERSIONS ? product.variants : [product.variants![version % 2]!];
        const doc: CatalogProduct = {
          ...product,
          version,
          variants,
          ...(version === VERSIONS ? {} : { name: `${product.name} old` }),
        };
        tasks.push(() => index.upsert(toSearchDocument(doc)));
      }
    }
    // Each SKU's values in order (one consumer delivers one SKU's events in order), any SKU at any time.
    for (const [sku, available] of stock) {
      const index = random.chance(0.5) ? first : second;
      const values = [...Array.from({ length: 7 }, () => random.int(0, 1)), available];
      tasks.push(async () => {
        for (const value of values) await index.setStock(sku, value);
      });
    }
    await inLanes(8, random.shuffle(tasks));
    const expected = expectedIndex(finals, stock);
    for (const index of [first, second]) {
      const hits = await allHits(index, { sort: 'price', limit: 100 });
      assert.deepEqual(
        hits.map((hit) => hit.id),
        brutePriceOrder(expected, 1),
      );
      const byId = new Map(expected.map((doc) => [doc.id, doc]));
      for (const hit of hits) {
        assert.equal(hit.name, byId.get(hit.id)!.name, hit.id);
        assert.equal(hit.inStock, byId.get(hit.id)!.inStock, `${hit.name} inStock`);
      }
    }
  });

  it('keeps prices beyond a double exact in filters, sorts, cursors and hits', async () => {
    const index = await open();
    const prices = ['987654321098.76', '987654321098.77', '987654321098.78'];
    const products = prices.map((price) =>
      aProduct({ name: 'Bullion Bar', basePrice: price, variants: [{ sku: `BAR-${price}`, price }] }),
    );
    for (const product of products) await index.upsert(toSearchDocument(product));
    const exact = await search(index, { minPrice: prices[1], maxPrice: prices[1] });
    assert.deepEqual(
      exact.hits.map((hit) => hit.price),
      [prices[1]],
    );
    const paged = await allHits(index, { sort: '-price', limit: 1 });
    assert.deepEqual(
      paged.map((hit) => hit.price),
      [...prices].reverse(),
    );
  });

  it('buckets exactly with an interval finer than the indexed price scale', async () => {
    const index = await open();
    const products = ['1.001', '1.002', '1.003', '1.004', '1.017'].map((price) =>
      aProduct({
        name: 'Fine Grain',
        currency: 'KWD',
        basePrice: price,
        variants: [{ sku: `FINE-${price}`, price }],
      }),
    );
    for (const product of products) await index.upsert(toSearchDocument(product));
    const docs = expectedIndex(products, new Map());
    for (const interval of ['0.00015', '0.0005', '0.00003']) {
      const histogram = (await search(index, { histogram: `price:${interval}` })).histograms.price;
      assert.deepEqual(histogram, bruteHistogram(docs, interval), interval);
    }
  });

  it('answers SEARCH.UNAVAILABLE, not a bare driver error, when the node stops answering', async () => {
    const prefix = `${opened.namespace}-down`;
    const dead = new Client({ node: await refusedUrl(), maxRetries: 0, requestTimeout: 2000 });
    let down = false;
    const switching = new Proxy(opened.connection.client, {
      get(target, property) {
        const client = down ? dead : target;
        const value = Reflect.get(client, property, client) as unknown;
        return typeof value === 'function' ? value.bind(client) : value;
      },
    });
    const index = await OpenSearchProductSearchIndex.open(switching, prefix);
    await index.upsert(toSearchDocument(aProduct({ name: 'Fading Lamp' })));
    down = true;
    try {
      await assert.rejects(search(index, { q: 'fading' }), {
        kind: 'unavailable',
        code: 'SEARCH.UNAVAILABLE',
      });
      await assert.rejects(index.count(), { kind: 'unavailable', code: 'SEARCH.UNAVAILABLE' });
    } finally {
      await dead.close();
    }
  });

  it('finds "or" between words as either word, like PostgreSQL web search', async () => {
    const index = await open();
    const [red, blue] = [aProduct({ name: 'Crimson Kettle' }), aProduct({ name: 'Azure Kettle' })];
    for (const product of [red, blue, aProduct({ name: 'Olive Kettle' })])
      await index.upsert(toSearchDocument(product));
    const ids = (await search(index, { q: 'crimson or azure' })).hits.map((hit) => hit.id).sort();
    assert.deepEqual(ids, [red.id, blue.id].sort());
  });

  it('upgrades a products index of mapping version 1 in place, and a rebuild gives its products word parts', async () => {
    const prefix = `${opened.namespace}-upgrade`;
    const { client } = opened.connection;
    const text = { type: 'text', analyzer: 'english', similarity: 'polyshop_rank' };
    const keyword = { type: 'keyword', fields: { text } };
    const script = 'return query.boost * Math.sqrt(doc.freq) / Math.sqrt(doc.length);';
    // The products index as mapping version 1 created it: no word parts, no _meta.
    await client.indices.create({
      index: `${prefix}-products-v1`,
      body: {
        settings: {
          number_of_shards: 1,
          similarity: { polyshop_rank: { type: 'scripted', script: { source: script } } },
        },
        mappings: {
          dynamic: 'strict',
          properties: {
            ...Object.fromEntries(
              ['id', 'rebuild_pending', 'skus'].map((field) => [field, { type: 'keyword' }]),
            ),
            ...Object.fromEntries(
              ['slug', 'currency', 'price'].map((field) => [field, { type: 'keyword', index: false }]),
            ),
            version: { type: 'long' },
            price_scaled: { type: 'long' },
            searchable: { type: 'boolean' },
            in_stock: { type: 'boolean' },
            name: text,
            description: text,
            brand: keyword,
            category: keyword,
          },
        },
        aliases: { [`${prefix}-products`]: {} },
      } as never,
    });
    const product = aProduct({ name: 'Smartphones Deluxe 9' });
    const doc = toSearchDocument(product);
    const { skus, ...content } = doc;
    await client.index({
      index: `${prefix}-products`,
      id: doc.id,
      refresh: true,
      body: { ...content, skus, searchable: true, in_stock: false, price_scaled: '100000' },
    });
    const index = await OpenSearchProductSearchIndex.open(client, prefix);
    assert.equal((await search(index, { q: 'deluxe' })).total, 1, 'still searchable after the upgrade');
    assert.equal((await search(index, { q: 'phone' })).total, 0, 'written before: no parts yet');
    const rebuild = await index.startRebuild();
    await rebuild.add([doc]);
    await rebuild.commit();
    assert.deepEqual(
      (await search(index, { q: 'phone' })).hits.map((hit) => hit.id),
      [product.id],
    );
    await OpenSearchProductSearchIndex.open(client, prefix); // already upgraded: nothing to do
  });
});
