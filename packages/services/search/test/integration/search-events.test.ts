import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSearchTarget, postgresTargets, testServerUrl } from '@polyshop/testing';
import type { TestPlatform } from '@polyshop/platform/testing';
import { aProduct } from '../fixtures/catalog-generator.ts';
import { productEvent, stockEvent } from '../contract/search-contract-helpers.ts';
import { getSearch, publish, searchPlatform } from './search-platform.ts';

/** Where the search index lives: PGlite, the real PostgreSQL, or OpenSearch (services' PostgreSQL on PGlite). */
const opensearch = openSearchTarget();
const targets = [
  ...postgresTargets().map((target) => ({
    name: target.name,
    skip: target.skip,
    open: () => searchPlatform(target.name),
    close: async () => {},
  })),
  (() => {
    let opened: Awaited<ReturnType<typeof opensearch.open>> | undefined;
    return {
      name: opensearch.name,
      skip: opensearch.skip,
      open: async () => {
        opened = await opensearch.open();
        return searchPlatform('pglite', {
          SEARCH_STORE: 'opensearch',
          OPENSEARCH_URL: testServerUrl('POLYSHOP_TEST_OPENSEARCH_URL')!,
          SEARCH_OPENSEARCH_INDEX_PREFIX: `${opened.namespace}-events`,
        });
      },
      close: async () => {
        if (opened) await opensearch.close(opened);
      },
    };
  })(),
];

for (const target of targets) {
  describe(`search fed by events through the platform bus on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    before(async () => {
      platform = await target.open();
    });
    after(async () => {
      await platform?.dispose();
      await target.close();
    });

    const names = async (query: string) =>
      (await getSearch(platform, query)).body.hits.map((hit: { name: string }) => hit.name);

    it('makes a created product searchable, and an archived one disappear', async () => {
      const product = aProduct({ name: 'Quasar Phone', basePrice: '499.00' });
      await publish(platform, productEvent(product));
      assert.deepEqual(await names('q=quasar'), ['Quasar Phone']);
      await publish(platform, productEvent({ ...product, version: 2, status: 'archived' }));
      assert.deepEqual(await names('q=quasar'), []);
      await publish(platform, productEvent({ ...product, name: 'Quasar Phone (late)' }));
      assert.deepEqual(await names('q=quasar'), [], 'a late older event does not bring it back');
    });

    it('keeps drafts out, and indexes a product once it is made active', async () => {
      const draft = aProduct({ name: 'Nebula Draft Lamp', status: 'draft' });
      await publish(platform, productEvent(draft));
      assert.deepEqual(await names('q=nebula'), []);
      await publish(platform, productEvent({ ...draft, version: 2, status: 'active' }));
      assert.deepEqual(await names('q=nebula'), ['Nebula Draft Lamp']);
    });

    it('follows inventory.changed: inStock flips with the available units, even when stock came first', async () => {
      const product = aProduct({ name: 'Pulsar Watch', variants: [{ sku: 'PULSAR-1', price: '99.00' }] });
      await publish(platform, stockEvent('PULSAR-1', 4), productEvent(product));
      const hit = async () => (await getSearch(platform, 'q=pulsar')).body.hits[0];
      assert.equal((await hit()).inStock, true);
      await publish(platform, stockEvent('PULSAR-1', 0));
      assert.equal((await hit()).inStock, false);
      assert.deepEqual(await names('q=pulsar&inStock=true'), []);
      await publish(platform, stockEvent('PULSAR-1', 2));
      assert.deepEqual(await names('q=pulsar&inStock=true'), ['Pulsar Watch']);
    });

    it('follows a price change, and handles a redelivered event once', async () => {
      const product = aProduct({
        name: 'Comet Charger',
        basePrice: '20.00',
        variants: [{ sku: 'COMET-1', price: '20.00' }],
      });
      const update = productEvent({ ...product, version: 2, variants: [{ sku: 'COMET-1', price: '15.50' }] });
      await publish(platform, productEvent(product), update, update);
      const { body } = await getSearch(platform, 'q=comet');
      assert.equal(body.hits[0].price, '15.50');
      // The OpenSearch inbox is an index of its own, checked in search-opensearch.test.ts.
      if (target.name !== 'opensearch') {
        const db = await platform.postgres();
        const [row] = await db.query<{ n: number }>(
          'SELECT count(*) AS n FROM search.inbox WHERE event_id = $1',
          [update.id],
        );
        assert.equal(row!.n, 1);
      }
    });

    it('dead-letters an event it cannot index and goes on with the next', async () => {
      const broken = productEvent(aProduct({ name: '', version: 1 }));
      const fine = productEvent(aProduct({ name: 'Meteor Cable' }));
      await publish(platform, broken, fine);
      assert.deepEqual(await names('q=meteor'), ['Meteor Cable']);
    });
  });
}
