import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrate, migratedTables, type DeclaredTable, type SqlDatabase } from '@polyshop/stores';
import { assertTablesMatchSchema } from './assert-tables-match-schema.ts';
import { postgresTargets } from './postgres-targets.ts';

/**
 * The row-types test of one PostgreSQL schema, on every PostgreSQL target: runs the schema's migrations
 * (`migrations`: the folder URL, or none for the messaging tables alone) on a fresh database and asserts
 * that `tables` plus the messaging tables every schema gets match `information_schema` exactly.
 */
export function schemaTablesSuite(options: {
  schema: string;
  migrations?: URL;
  tables: readonly DeclaredTable[];
}): void {
  const directory = options.migrations && fileURLToPath(options.migrations);
  for (const target of postgresTargets()) {
    describe(`${options.schema} tables on ${target.name}`, { skip: target.skip }, () => {
      let db: SqlDatabase;
      before(async () => {
        db = await target.open();
        await migrate(db, { schema: options.schema, ...(directory ? { directory } : {}) });
      });
      after(() => db && target.close(db));

      it(`declares every table and column of the ${options.schema} schema, and nothing more`, async () => {
        await assertTablesMatchSchema(db, [...options.tables, ...migratedTables(options.schema)]);
      });
    });
  }
}
