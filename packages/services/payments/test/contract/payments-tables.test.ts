import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrate, migratedTables, type SqlDatabase } from '@polyshop/stores';
import { assertTablesMatchSchema, postgresTargets } from '@polyshop/testing';
import { PAYMENTS_TABLES } from '../../src/adapters/postgres/payments-tables.ts';

const directory = fileURLToPath(new URL('../../migrations', import.meta.url));

for (const target of postgresTargets()) {
  describe(`payments tables on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    before(async () => {
      db = await target.open();
      await migrate(db, { schema: 'payments', directory });
    });
    after(() => db && target.close(db));

    it('declares every table and column of the payments schema, and nothing more', async () => {
      await assertTablesMatchSchema(db, [...PAYMENTS_TABLES, ...migratedTables('payments')]);
    });
  });
}
