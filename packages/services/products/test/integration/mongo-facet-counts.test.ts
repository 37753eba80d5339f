import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@polyshop/kernel';
import type { MongoConnection } from '@polyshop/stores';
import { mongoTarget } from '@polyshop/testing';
import { MongoProductRepository } from '../../src/adapters/mongodb/mongo-product-repository.ts';
import { searchProducts } from '../../src/app/read-products.ts';
import type { ProductsDeps } from '../../src/app/products-deps.ts';
import { loadCatalogue } from '../../src/seed/load-catalogue.ts';

const server = mongoTarget();

describe(
  'MongoDB facet counts of a catalogue that had none (first start after the upgrade)',
  { skip: server.skip },
  () => {
    let opened: { connection: MongoConnection; namespace: string };
    let deps: ProductsDeps;

    before(async () => {
      opened = await server.open();
      const repository = new MongoProductRepository(opened.connection);
      await repository.ensureIndexes();
      deps = { repository, clock: new ManualClock('2026-03-01T10:00:00.000Z') };
      await loadCatalogue(deps, { products: 300, seed: 11, events: false });
    });
    after(async () => {
      if (opened) await server.close(opened);
    });

    it('rebuilds them from the products at start-up, equal to the aggregation over the products', async () => {
      const page = { category: 'clothing' };
      const maintained = (await searchProducts(deps, page)).facets;
      // a store written before the counts existed: no counts, no completeness mark
      await opened.connection.db.collection('facet_counts').deleteMany({});
      const restarted = new MongoProductRepository(opened.connection);
      await restarted.ensureIndexes();
      const rebuilt = await searchProducts({ ...deps, repository: restarted }, page);
      // the same page with a filter that selects everything is counted by aggregation
      const aggregated = await searchProducts(
        { ...deps, repository: restarted },
        { ...page, currency: 'USD' },
      );
      assert.deepEqual(rebuilt.facets, aggregated.facets);
      assert.deepEqual(maintained, aggregated.facets);
      assert.ok(Object.values(rebuilt.facets).every((counts) => counts.length > 0));
    });
  },
);
