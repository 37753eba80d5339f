import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PgliteDatabase, TransactionAbortedError } from '../src/index.ts';

it('opens each in-memory PGlite as a new, empty cluster loaded from the kept template', async () => {
  const first = await PgliteDatabase.open();
  await first.exec('CREATE TABLE kept_apart (id int); INSERT INTO kept_apart VALUES (1)');
  await first.close();
  assert.ok(
    readdirSync(tmpdir()).some((name) => /^polyshop-pglite-.*\.tar$/.test(name)),
    'the template is kept in the temp folder',
  );
  const second = await PgliteDatabase.open();
  try {
    const [row] = await second.query<{ found: string | null }>(
      `SELECT to_regclass('public.kept_apart')::text AS found`,
    );
    assert.equal(row?.found, null, 'a table of another in-memory cluster is not in this one');
    const [version] = await second.query<{ server_version_num: string }>('SHOW server_version_num');
    assert.ok(Number(version?.server_version_num) >= 160000);
  } finally {
    await second.close();
  }
});

it('rejects a transaction whose statement failed although its work went on, and keeps none of it', async () => {
  const db = await PgliteDatabase.open();
  try {
    await db.exec('CREATE TABLE kept (id int PRIMARY KEY)');
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.execute('INSERT INTO kept VALUES (1)');
        await tx.execute('INSERT INTO kept VALUES (1)').catch(() => undefined); // swallowed
      }),
      TransactionAbortedError,
    );
    await db.transaction(async (tx) => tx.execute('INSERT INTO kept VALUES (2)'), {
      isolation: 'serializable',
    });
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.execute('INSERT INTO kept VALUES (3)');
        throw new Error('changed its mind');
      }),
      /changed its mind/,
    );
    const rows = await db.query<{ id: number }>('SELECT id FROM kept ORDER BY id');
    assert.deepEqual(
      rows.map((row) => row.id),
      [2],
    );
  } finally {
    await db.close();
  }
});

it('runs with the buffer pool it is given (shared_buffers), 16MB when none is', async () => {
  const shared = async (db: PgliteDatabase) => {
    try {
      return (await db.query<{ shared_buffers: string }>('SHOW shared_buffers'))[0]?.shared_buffers;
    } finally {
      await db.close();
    }
  };
  assert.equal(await shared(await PgliteDatabase.open()), '16MB');
  assert.equal(await shared(await PgliteDatabase.open({ sharedBuffers: '32MB' })), '32MB');
});
