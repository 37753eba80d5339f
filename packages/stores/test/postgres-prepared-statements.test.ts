import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodePostgresDatabase } from '@polyshop/stores';
import { skipReason, testDatabaseUrl } from '@polyshop/testing';

const url = testDatabaseUrl();

/** On a real server, a connection prepares each parameterised statement once, unless told not to. */
describe(
  'prepared statements on a real PostgreSQL',
  { skip: skipReason('POLYSHOP_TEST_DATABASE_URL', url) },
  () => {
    const preparedAfter = async (preparedStatements: boolean) => {
      const db = new NodePostgresDatabase({ url: url!, poolSize: 1, preparedStatements });
      try {
        for (let i = 0; i < 3; i++)
          assert.deepEqual(await db.query('SELECT $1::int + 1 AS n', [i]), [{ n: i + 1 }]);
        const [row] = await db.query<{ count: number }>(
          'SELECT count(*)::int AS count FROM pg_prepared_statements',
        );
        return row!.count;
      } finally {
        await db.close();
      }
    };

    it('on (the default): the statement is prepared once on the connection', async () => {
      assert.equal(await preparedAfter(true), 1);
    });

    it('off (DATABASE_PREPARED_STATEMENTS=off): nothing is prepared', async () => {
      assert.equal(await preparedAfter(false), 0);
    });
  },
);
