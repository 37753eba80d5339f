import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodePostgresDatabase } from '@polyshop/stores';
import { createTestDatabase, dropTestDatabase, skipReason, testDatabaseUrl } from '@polyshop/testing';
import {
  migrateSearchSchema,
  PostgresProductSearchIndex,
} from '../../src/adapters/postgres/postgres-product-search-index.ts';
import { searchStatement } from '../../src/adapters/postgres/postgres-product-search.ts';
import { parseSearchQuery } from '../../src/domain/parse-search-query.ts';
import { toSearchDocument } from '../../src/domain/search-document.ts';
import { generateCatalog } from '../fixtures/catalog-generator.ts';

const server = testDatabaseUrl();

/**
 * Prepared statements meet full text: after five runs PostgreSQL may run a prepared statement with a
 * generic plan. A search's tsquery is computed once per run (an InitPlan over its `q`), so the
 * generic plan is the plan every `q` gets — the tsquery evaluated once, not once per row (ten times
 * slower at 100k products when the query's words were folded into the plan) — and a repeated search
 * is not planned again.
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

    it('repeats a search on its generic plan, the tsquery computed once per run, with the same answer', async () => {
      const index = new PostgresProductSearchIndex(db);
      for (const product of generateCatalog(7, 60)) await index.upsert(toSearchDocument(product));
      await db.execute('ANALYZE search.products');
      const query = parseSearchQuery({ q: 'phone' });
      const first = await index.search(query);
      assert.ok(first.total > 0);
      for (let run = 0; run < 9; run++) assert.deepEqual(await index.search(query), first);
      const [plans] = await db.query<{ custom_plans: number; generic_plans: number }>(
        `SELECT custom_plans, generic_plans FROM pg_prepared_statements
        WHERE statement LIKE '%with_word_parts%' AND statement LIKE '%ts_rank%'`,
      );
      assert.ok(plans && plans.generic_plans >= 1, `generic plans: ${JSON.stringify(plans)}`);
      // the same statement's generic plan, as a prepared statement of the session
      const statement = searchStatement(query, undefined);
      const types = statement.params.map((value) => (typeof value === 'number' ? 'integer' : 'text'));
      const values = statement.params.map((value) =>
        typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`,
      );
      await db.execute(`PREPARE search_plan (${types.join(', ')}) AS ${statement.sql}`);
      await db.execute(`SET plan_cache_mode = force_generic_plan`);
      const plan = (
        await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE search_plan (${values.join(', ')})`)
      )
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      await db.execute(`RESET plan_cache_mode`);
      // the tsquery is a parameter set once (an InitPlan's), not an expression evaluated per row (on
      // 60 products a sequential scan is the cheaper plan; at 100k the GIN index's, see the docs)
      assert.match(plan, /\(document @@ \$\d+\)/);
      assert.match(plan, /CTE tsq/);
    });
  },
);
