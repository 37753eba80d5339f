import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createEvent, ManualClock, newId, silentLogger, type EventEnvelope } from '@polyshop/kernel';
import {
  appendToOutbox,
  handleOnce,
  isForeignKeyViolation,
  isUniqueViolation,
  migrate,
  OutboxRelay,
  readMigrations,
  type SqlDatabase,
} from '@polyshop/stores';
import { postgresTargets, createTestDatabase, dropTestDatabase, testDatabaseUrl } from '@polyshop/testing';

const directory = fileURLToPath(new URL('./fixtures/migrations', import.meta.url));
const run = promisify(execFile);

for (const target of postgresTargets()) {
  describe(`PostgreSQL store on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    before(async () => {
      db = await target.open();
    });
    after(async () => {
      if (db) await target.close(db);
    });

    it('applies versioned migrations once, then finds nothing to do', async () => {
      const first = await migrate(db, { schema: 'store_test', directory });
      assert.deepEqual(first.applied, ['0000_messaging', '0001_create_accounts', '0002_create_ledger']);
      const second = await migrate(db, { schema: 'store_test', directory });
      assert.deepEqual(second.applied, []);
      const rows = await db.query<{ version: string }>(
        'SELECT version FROM store_test.schema_migrations ORDER BY version',
      );
      assert.deepEqual(
        rows.map((r) => r.version),
        ['0000', '0001', '0002'],
      );
    });

    it('serialises concurrent runners on one schema: each migration applied exactly once', async () => {
      const results = await Promise.all([
        migrate(db, {
          schema: 'store_race',
          migrations: [{ version: '0001', name: 't', sql: 'CREATE TABLE store_race.t (x int)' }],
        }),
        migrate(db, {
          schema: 'store_race',
          migrations: [{ version: '0001', name: 't', sql: 'CREATE TABLE store_race.t (x int)' }],
        }),
      ]);
      assert.deepEqual(results.map((r) => r.applied.length).sort(), [0, 2]);
    });

    it('refuses an applied migration whose file changed', async () => {
      const migrations = await readMigrations(directory);
      migrations[1] = { ...migrations[1]!, sql: `${migrations[1]!.sql}\n-- edited` };
      await assert.rejects(migrate(db, { schema: 'store_test', migrations }), /changed after it was applied/);
    });

    it('keeps numeric money exact and returns counts as numbers, jsonb as values, timestamptz as Date', async () => {
      const id = newId();
      await db.query(
        `INSERT INTO store_test.accounts (id, email, balance, profile) VALUES ($1, $2, $3, $4)`,
        [id, 'Ada@Example.com', '19.99', JSON.stringify({ tier: 'gold', tags: ['a'] })],
      );
      await db.query(`UPDATE store_test.accounts SET balance = balance + $2::numeric WHERE id = $1`, [
        id,
        '1.60',
      ]);
      const [row] = await db.query<{ balance: string; profile: unknown; created_at: Date; n: number }>(
        `SELECT balance, profile, created_at, (SELECT count(*) FROM store_test.accounts) AS n FROM store_test.accounts WHERE id = $1`,
        [id],
      );
      assert.equal(row!.balance, '21.59');
      assert.deepEqual(row!.profile, { tier: 'gold', tags: ['a'] });
      assert.ok(row!.created_at instanceof Date);
      assert.equal(row!.n, 1);
    });

    it('reports unique and foreign-key violations with their SQLSTATE and constraint', async () => {
      await assert.rejects(
        db.query(`INSERT INTO store_test.accounts (id, email) VALUES ($1, 'ADA@example.com')`, [newId()]),
        (error: unknown) => isUniqueViolation(error, 'accounts_email_ci'),
      );
      await assert.rejects(
        db.query(`INSERT INTO store_test.ledger (account_id, amount) VALUES ($1, 1)`, [newId()]),
        (error: unknown) => isForeignKeyViolation(error),
      );
    });

    it('runs triggers from migrations: an append-only table rejects UPDATE and DELETE', async () => {
      const [account] = await db.query<{ id: string }>(`SELECT id FROM store_test.accounts LIMIT 1`);
      await db.query(`INSERT INTO store_test.ledger (account_id, amount) VALUES ($1, 5)`, [account!.id]);
      await assert.rejects(db.query(`UPDATE store_test.ledger SET amount = 6`), /append-only/);
      await assert.rejects(db.query(`DELETE FROM store_test.ledger`), /append-only/);
    });

    it('a statement run again after its table changed shape returns the new shape (no stale prepared plan)', async () => {
      await db.query('CREATE SCHEMA IF NOT EXISTS store_shape');
      await db.query('CREATE TABLE store_shape.items (id int PRIMARY KEY, name text)');
      await db.query(`INSERT INTO store_shape.items VALUES (1, 'one')`);
      const select = 'SELECT * FROM store_shape.items WHERE id = $1';
      for (let i = 0; i < 3; i++) assert.deepEqual(await db.query(select, [1]), [{ id: 1, name: 'one' }]);
      await db.query(`ALTER TABLE store_shape.items ADD COLUMN colour text NOT NULL DEFAULT 'red'`);
      assert.deepEqual(await db.query(select, [1]), [{ id: 1, name: 'one', colour: 'red' }]);
      const inTransaction = () => db.transaction((tx) => tx.query(select, [1]));
      assert.deepEqual(await inTransaction(), [{ id: 1, name: 'one', colour: 'red' }]);
    });

    it('commits a transaction that resolves and rolls back one that throws', async () => {
      const kept = newId();
      const dropped = newId();
      await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO store_test.accounts (id, email) VALUES ($1, $2)`, [kept, `${kept}@x.io`]);
      });
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO store_test.accounts (id, email) VALUES ($1, $2)`, [
            dropped,
            `${dropped}@x.io`,
          ]);
          throw new Error('boom');
        }),
        /boom/,
      );
      const rows = await db.query<{ id: string }>(
        `SELECT id FROM store_test.accounts WHERE id = ANY($1::uuid[])`,
        [[kept, dropped]],
      );
      assert.deepEqual(
        rows.map((r) => r.id),
        [kept],
      );
    });

    it('keeps concurrent transactions isolated: 50 parallel increments sum exactly', async () => {
      const id = newId();
      await db.query(`INSERT INTO store_test.accounts (id, email, balance) VALUES ($1, $2, 0)`, [
        id,
        `${id}@x.io`,
      ]);
      await Promise.all(
        Array.from({ length: 50 }, () =>
          db.transaction(async (tx) => {
            await tx.query(`UPDATE store_test.accounts SET balance = balance + 0.01 WHERE id = $1`, [id]);
          }),
        ),
      );
      const [row] = await db.query<{ balance: string }>(
        `SELECT balance FROM store_test.accounts WHERE id = $1`,
        [id],
      );
      assert.equal(row!.balance, '0.50');
    });

    it('outbox: a rolled-back change emits nothing; committed events are relayed once, in order', async () => {
      const clock = new ManualClock();
      const published: EventEnvelope[] = [];
      const relay = new OutboxRelay({
        db,
        schema: 'store_test',
        logger: silentLogger(),
        publisher: { publish: async (e) => void published.push(e) },
      });
      const event = (n: number) =>
        createEvent(
          'store-test',
          { type: 'account.touched', aggregateType: 'account', aggregateId: 'a1', data: { n } },
          clock,
        );
      await assert.rejects(
        db.transaction(async (tx) => {
          await appendToOutbox(tx, 'store_test', [event(0)]);
          throw new Error('rollback');
        }),
      );
      await db.transaction(async (tx) => appendToOutbox(tx, 'store_test', [event(1), event(2)]));
      await db.transaction(async (tx) => appendToOutbox(tx, 'store_test', [event(3)]));
      assert.equal(await relay.flush(), 3);
      assert.equal(await relay.flush(), 0);
      assert.deepEqual(
        published.map((e) => (e.data as { n: number }).n),
        [1, 2, 3],
      );
    });

    it('outbox: published rows are marked in groups, never published twice meanwhile, and all marked on stop', async () => {
      const clock = new ManualClock();
      const published: number[] = [];
      const relay = new OutboxRelay({
        db,
        schema: 'store_marks',
        logger: silentLogger(),
        publisher: { publish: async (e) => void published.push((e.data as { n: number }).n) },
        intervalMs: 5,
        markDelayMs: 60_000,
      });
      await migrate(db, { schema: 'store_marks', migrations: [] });
      const unpublished = async () =>
        Number(
          (
            await db.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM store_marks.outbox WHERE published_at IS NULL',
            )
          )[0]!.n,
        );
      relay.start();
      for (const n of [10, 11, 12]) {
        await db.transaction(async (tx) =>
          appendToOutbox(tx, 'store_marks', [
            createEvent(
              'store-test',
              { type: 'account.touched', aggregateType: 'account', aggregateId: 'a1', data: { n } },
              clock,
            ),
          ]),
        );
        relay.wake();
        while (!published.includes(n)) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // Polled many times since: each row went out once, and none is marked yet (the delay is a minute).
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(published, [10, 11, 12]);
      assert.equal(await unpublished(), 3);
      await relay.stop();
      assert.equal(await unpublished(), 0);
      assert.deepEqual(published, [10, 11, 12]);
    });

    it('outbox: published rows past their retention are pruned, oldest first, by the lease holder only', async () => {
      const clock = new ManualClock();
      const published: number[] = [];
      const relayOf = () =>
        new OutboxRelay({
          db,
          schema: 'store_prune',
          logger: silentLogger(),
          publisher: { publish: async (e) => void published.push((e.data as { n: number }).n) },
          retentionMs: 60_000,
        });
      const relay = relayOf();
      const other = relayOf();
      await migrate(db, { schema: 'store_prune', migrations: [] });
      const append = (n: number) =>
        db.transaction(async (tx) =>
          appendToOutbox(tx, 'store_prune', [
            createEvent(
              'store-test',
              { type: 'account.touched', aggregateType: 'account', aggregateId: 'a1', data: { n } },
              clock,
            ),
          ]),
        );
      for (const n of [1, 2, 3, 4, 5]) await append(n);
      assert.equal(await relay.flush(), 5);
      // the three oldest were published two minutes ago, past the one-minute retention
      await db.query(
        `UPDATE store_prune.outbox SET published_at = now() - interval '2 minutes'
         WHERE seq IN (SELECT seq FROM store_prune.outbox ORDER BY seq LIMIT 3)`,
      );
      await append(6); // not yet published: kept whatever its age
      assert.equal(await other.prune(), 0, 'a relay that does not hold the lease prunes nothing');
      assert.equal(await relay.prune(), 3);
      const [stats] = await db.query<{ vacuumed: boolean }>(
        `SELECT last_vacuum IS NOT NULL AS vacuumed FROM pg_stat_user_tables
         WHERE schemaname = 'store_prune' AND relname = 'outbox'`,
      );
      // PGlite has no autovacuum: the relay vacuums the pruned outbox itself (PostgreSQL's autovacuum does).
      assert.equal(stats?.vacuumed, db.engine === 'pglite');
      const left = await db.query<{ n: number; published: boolean }>(
        `SELECT (envelope->'data'->>'n')::int AS n, published_at IS NOT NULL AS published
         FROM store_prune.outbox ORDER BY seq`,
      );
      assert.deepEqual(
        left.map((row) => [row.n, row.published]),
        [
          [4, true],
          [5, true],
          [6, false],
        ],
      );
      assert.equal(await relay.prune(), 0);
      assert.equal(await relay.flush(), 1);
      assert.deepEqual(published, [1, 2, 3, 4, 5, 6]);
      // A running relay prunes on its own: its first pass after start does.
      await db.query(
        `UPDATE store_prune.outbox SET published_at = now() - interval '2 minutes' WHERE seq IN
           (SELECT seq FROM store_prune.outbox ORDER BY seq LIMIT 2)`,
      );
      relay.start();
      const count = async () =>
        (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM store_prune.outbox'))[0]!.n;
      const deadline = Date.now() + 10_000;
      while ((await count()) > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await count(), 1, 'the two aged rows were pruned, the young one kept');
      await relay.stop();
      await other.stop();
      assert.deepEqual(published, [1, 2, 3, 4, 5, 6]);
    });

    it('inbox: handles an event once even when it is delivered twice', async () => {
      const event = createEvent(
        'store-test',
        { type: 'x.happened', aggregateType: 'x', aggregateId: '1', data: {} },
        new ManualClock(),
      );
      let handled = 0;
      const deliver = () => handleOnce(db, 'store_test', 'counter', event, async () => void handled++);
      assert.deepEqual(await Promise.all([deliver(), deliver()]).then((r) => r.sort()), [false, true]);
      assert.equal(await deliver(), false);
      assert.equal(handled, 1);
    });
  });
}

describe(
  'migrations from two processes at once (real PostgreSQL)',
  { skip: postgresTargets()[1]!.skip },
  () => {
    it('both processes succeed and each migration is applied exactly once', async () => {
      const server = testDatabaseUrl()!;
      const { url, name } = await createTestDatabase(server);
      try {
        const child = fileURLToPath(new URL('./fixtures/migrate-child.ts', import.meta.url));
        const spawnOne = () => run(process.execPath, ['--import', 'tsx', child, url, directory]);
        const outputs = await Promise.all([spawnOne(), spawnOne()]);
        const applied = outputs
          .map((o) => (JSON.parse(o.stdout) as { applied: string[] }).applied.length)
          .sort();
        assert.deepEqual(applied, [0, 3]);
      } finally {
        await dropTestDatabase(server, name);
      }
    });
  },
);
