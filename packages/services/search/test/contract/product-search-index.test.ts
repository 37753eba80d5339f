import { after, before, describe } from 'node:test';
import type { OpenSearchConnection, SqlDatabase } from '@polyshop/stores';
import { openSearchTarget, postgresTargets } from '@polyshop/testing';
import { OpenSearchProductSearchIndex } from '../../src/adapters/opensearch/opensearch-product-search-index.ts';
import {
  migrateSearchSchema,
  PostgresProductSearchIndex,
} from '../../src/adapters/postgres/postgres-product-search-index.ts';
import { productSearchIndexContract } from './product-search-index.contract.ts';

for (const target of postgresTargets()) {
  describe(`PostgresProductSearchIndex on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    before(async () => {
      db = await target.open();
      await migrateSearchSchema(db);
    });
    after(async () => {
      if (db) await target.close(db);
    });

    productSearchIndexContract(async () => {
      await db.exec('TRUNCATE search.products, search.sku_stock, search.inbox');
      return new PostgresProductSearchIndex(db);
    });
  });
}

const openSearch = openSearchTarget();
describe('OpenSearchProductSearchIndex on opensearch', { skip: openSearch.skip }, () => {
  let opened: { connection: OpenSearchConnection; namespace: string } | undefined;
  let made = 0;
  before(async () => {
    opened = await openSearch.open();
  });
  after(async () => {
    if (opened) await openSearch.close(opened);
  });

  // A fresh set of indexes per group, under the file's prefix (deleted after).
  productSearchIndexContract(() =>
    OpenSearchProductSearchIndex.open(opened!.connection.client, `${opened!.namespace}-${++made}`),
  );
});
