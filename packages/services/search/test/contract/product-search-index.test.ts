import { after, before, describe } from 'node:test';
import type { SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import { migrateSearchSchema, PostgresProductSearchIndex } from '../../src/adapters/postgres/postgres-product-search-index.ts';
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
