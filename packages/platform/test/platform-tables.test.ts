import { after, before, describe, it } from 'node:test';
import { migrate, migratedTables, type SqlDatabase } from '@polyshop/stores';
import { assertTablesMatchSchema, postgresTargets } from '@polyshop/testing';
import { PLATFORM_SCHEMA } from '../src/platform-events.ts';

for (const target of postgresTargets()) {
  describe(`platform tables on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    before(async () => {
      db = await target.open();
      await migrate(db, { schema: PLATFORM_SCHEMA });
    });
    after(() => db && target.close(db));

    it('declares every table of the platform schema (dead letters and the messaging tables)', async () => {
      await assertTablesMatchSchema(db, migratedTables(PLATFORM_SCHEMA));
    });
  });
}
