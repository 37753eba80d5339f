import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodePostgresDatabase } from '@polyshop/stores';
import { createTestDatabase, dropTestDatabase, skipReason, testDatabaseUrl } from '@polyshop/testing';
import {
  migrateSearchSchema,
  PostgresProductSearchIndex,
} from '../../src/adapters/postgres/postgres-product-search-index.ts';
import { parseSearchQuery } from '../../src/domain/parse-search-query.ts';
import { toSearchDocument } from '../../src/domain/search-document.ts';
import { generateCatalog } from '../fixtures/catalog-generator.ts';

const server = testDatabaseUrl();

/**
 * Prepared statements meet full text: after five runs PostgreSQL may run a prepared statement with a
 * generic plan, which for a search evaluates the query's tsquery once per row (ten times slower at
 * 100k products). The search runs with its own words' plan every time: none of its runs used a
 * generic plan, as the session's `pg_prepared_statements` counts them.
 */
describe(
  'full-text search plans on PostgreSQL',
  { skip: skipReason('POLYSHOP_TEST_DATABASE_URL', server) },
  () => {
    let database: { url: string; name: string };
    let db: NodePostgresDatabase;
    before(async () => {
      database = await createTestDatabase(server!);
      // one connection: the prepared statements and their counts are this session's
      db = new NodePostgresDatabase({ url: database.url, poolSize: 1, preparedStatements: true });
      await migrateSearchSchema(db);
    });
    after(async () => {
      await db?.close();
      if (database) await dropTestDatabase(server!, database.name);
    });

    it('never runs a search on a generic plan, however often it is repeated', async () => {
      const index = new PostgresProductSearchIndex(db);
      for (const product of generateCatalog(7, 60)) await index.upsert(toSearchDocument(product));
      const query = parseSearchQuery({ q: 'phone' });
      const first = await index.search(query);
      for (let run = 0; run < 9; run++) assert.deepEqual(await index.search(query), first);
      const [plans] = await db.query<{ custom_plans: number; generic_plans: number }>(
        `SELECT custom_plans, generic_plans FROM pg_prepared_statements
        WHERE statement LIKE '%with_word_parts%' AND statement LIKE '%ts_rank%'`,
      );
      assert.deepEqual(plans, { custom_plans: 10, generic_plans: 0 });
    });
  },
);
