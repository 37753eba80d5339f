import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrate, migratedTables, type SqlDatabase } from '@polyshop/stores';
import { assertTablesMatchSchema, postgresTargets } from '@polyshop/testing';
import { SEARCH_TABLES } from '../../src/adapters/postgres/search-tables.ts';

const directory = fileURLToPath(new URL('../../migrations', import.meta.url));

for (const target of postgresTargets()) {
  describe(`search tables on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    before(async () => {
      db = await target.open();
      await migrate(db, { schema: 'search', directory });
    });
    after(() => db && target.close(db));

    it('declares every table and column of the search schema, and nothing more', async () => {
      await assertTablesMatchSchema(db, [...SEARCH_TABLES, ...migratedTables('search')]);
    });
  });
}
