import { after, before, describe, it } from 'node:test';
import { MIGRATION_TABLES, MigrationStateStore } from '@polyshop/migration';
import { migrate, migratedTables, type SqlDatabase } from '@polyshop/stores';
import { assertTablesMatchSchema, postgresTargets } from '@polyshop/testing';
import { PLATFORM_SCHEMA } from '../src/platform-events.ts';

// The platform schema holds the messaging tables (dead letters among them) and the control store of
// online store migrations, both created at start-up.
for (const target of postgresTargets()) {
  describe(`${PLATFORM_SCHEMA} tables on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    before(async () => {
      db = await target.open();
      await migrate(db, { schema: PLATFORM_SCHEMA });
      await MigrationStateStore.migrate(db);
    });
    after(() => db && target.close(db));

    it('declares every table and column of the platform schema, and nothing more', async () => {
      await assertTablesMatchSchema(db, [...MIGRATION_TABLES, ...migratedTables(PLATFORM_SCHEMA)]);
    });
  });
}
