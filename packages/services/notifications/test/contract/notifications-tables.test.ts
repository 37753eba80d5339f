import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrate, migratedTables, type SqlDatabase } from '@polyshop/stores';
import { assertTablesMatchSchema, postgresTargets } from '@polyshop/testing';
import { NOTIFICATIONS_TABLES } from '../../src/adapters/postgres/notifications-tables.ts';

const directory = fileURLToPath(new URL('../../migrations', import.meta.url));

for (const target of postgresTargets()) {
  describe(`notifications tables on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    before(async () => {
      db = await target.open();
      await migrate(db, { schema: 'notifications', directory });
    });
    after(() => db && target.close(db));

    it('declares every table and column of the notifications schema, and nothing more', async () => {
      await assertTablesMatchSchema(db, [...NOTIFICATIONS_TABLES, ...migratedTables('notifications')]);
    });
  });
}
