import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrate, migratedTables, type SqlDatabase } from '@polyshop/stores';
import { assertTablesMatchSchema, postgresTargets } from '@polyshop/testing';
import { USERS_TABLES } from '../../src/adapters/postgres/users-tables.ts';

const directory = fileURLToPath(new URL('../../migrations', import.meta.url));

for (const target of postgresTargets()) {
  describe(`users tables on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    before(async () => {
      db = await target.open();
      await migrate(db, { schema: 'users', directory });
    });
    after(() => db && target.close(db));

    it('declares every table and column of the users schema, and nothing more', async () => {
      await assertTablesMatchSchema(db, [...USERS_TABLES, ...migratedTables('users')]);
    });
  });
}
