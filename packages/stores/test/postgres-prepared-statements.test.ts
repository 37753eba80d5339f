import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodePostgresDatabase, PgliteDatabase } from '@polyshop/stores';
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

describe('prepared statements on PGlite', () => {
  it('a parameterised statement is parsed once; once its table changed shape it runs unnamed', async () => {
    const db = await PgliteDatabase.open();
    try {
      const prepared = async () =>
        (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements'))[0]!.n;
      await db.exec('CREATE TABLE t (id int PRIMARY KEY, a text)');
      await db.execute('INSERT INTO t VALUES ($1, $2)', [1, 'x']);
      const star = 'SELECT * FROM t WHERE id = $1';
      for (let i = 0; i < 3; i++) assert.deepEqual(await db.query(star, [1]), [{ id: 1, a: 'x' }]);
      assert.equal(await prepared(), 2, 'the INSERT and the SELECT, each once');

      await db.exec('ALTER TABLE t ADD COLUMN b int');
      assert.deepEqual(await db.query(star, [1]), [{ id: 1, a: 'x', b: null }], 'on its own: run again');
      const other = 'SELECT t.* FROM t WHERE id = $1';
      await db.query(other, [1]);
      await db.exec('ALTER TABLE t ADD COLUMN c int');
      await assert.rejects(
        db.transaction((tx) => tx.query(other, [1])),
        (error: { code?: string }) => error.code === '0A000',
        'in a transaction: the error goes to the caller',
      );
      assert.deepEqual(await db.query(other, [1]), [{ id: 1, a: 'x', b: null, c: null }]);
    } finally {
      await db.close();
    }
  });
});
