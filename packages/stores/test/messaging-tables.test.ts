import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defineTable, migrate, migratedTables, type SqlDatabase } from '@polyshop/stores';
import { assertTablesMatchSchema, postgresTargets } from '@polyshop/testing';

interface AccountRow {
  id: string;
  owner: string;
}

for (const target of postgresTargets()) {
  describe(`messaging tables on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    before(async () => {
      db = await target.open();
      await migrate(db, { schema: 'tables_test' });
    });
    after(() => db && target.close(db));

    it('declares every table and column migrate creates in a schema', async () => {
      await assertTablesMatchSchema(db, migratedTables('tables_test'));
    });

    it('reports a declared column or table that does not exist, a missed column and an undeclared table', async () => {
      const [migrations, outbox, ...rest] = migratedTables('tables_test');
      const bogus = { ...outbox!, columns: [...outbox!.columns.filter((c) => c !== 'seq'), 'bogus'] };
      const accounts = defineTable<AccountRow>()('tables_test', 'accounts', ['id', 'owner']);
      await assert.rejects(assertTablesMatchSchema(db, [bogus, accounts, ...rest]), (error: Error) => {
        assert.match(error.message, /tables_test\.outbox\.bogus is declared but does not exist/);
        assert.match(error.message, /tables_test\.outbox\.seq \(NOT NULL, default nextval.*missing/);
        assert.match(error.message, /tables_test\.accounts is declared but does not exist/);
        assert.match(error.message, /tables_test\.schema_migrations exists but has no declaration/);
        return true;
      });
      await assertTablesMatchSchema(db, rest.concat(outbox!), {
        undeclared: [migrations!.qualified],
      });
    });
  });
}
