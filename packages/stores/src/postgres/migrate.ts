import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SchemaMigrationRow } from './messaging-tables.ts';
import { messagingMigration } from './outbox.ts';
import type { SqlDatabase } from './sql-database.ts';

/** A versioned SQL migration. `version` orders them; files are `0001_create_users.sql`. */
export interface Migration {
  version: string;
  name: string;
  sql: string;
}

export interface MigrateOptions {
  /** The service's own PostgreSQL schema, created if missing. */
  schema: string;
  /** Folder of `NNNN_name.sql` files; `migrations` may be given instead (or as well). */
  directory?: string;
  migrations?: Migration[];
  /** Adds the outbox, inbox and dead-letter tables (version 0000). Default true. */
  messaging?: boolean;
}

export interface MigrateResult {
  applied: string[];
}

const FILE = /^(\d{4,})_([a-z0-9_]+)\.sql$/;
const SCHEMA = /^[a-z][a-z0-9_]*$/;

export async function readMigrations(directory: string): Promise<Migration[]> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const match = FILE.exec(file);
      if (!match) throw new Error(`Migration file ${file} in ${directory} must be named NNNN_name.sql`);
      return { version: match[1]!, name: match[2]!, sql: await readFile(join(directory, file), 'utf8') };
    }),
  );
}

/**
 * Applies the pending migrations of one schema, each in its own transaction, and records them in
 * `<schema>.schema_migrations`. Safe to run twice (applied versions are skipped; an applied file whose
 * content changed is an error) and from several processes at once: a transaction-scoped advisory
 * lock per schema serialises runners, so the second waits and then finds nothing to do.
 */
export async function migrate(db: SqlDatabase, options: MigrateOptions): Promise<MigrateResult> {
  const { schema } = options;
  if (!SCHEMA.test(schema)) throw new Error(`Invalid schema name "${schema}"`);
  const migrations = [
    ...(options.messaging === false ? [] : [messagingMigration(schema)]),
    ...(options.directory ? await readMigrations(options.directory) : []),
    ...(options.migrations ?? []),
  ].sort((a, b) => a.version.localeCompare(b.version));
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`polyshop.migrate.${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = await tx.query<Pick<SchemaMigrationRow, 'version' | 'checksum'>>(
      `SELECT version, checksum FROM ${schema}.schema_migrations`,
    );
    const done = new Map(rows.map((row) => [row.version, row.checksum]));
    for (const migration of migrations) {
      const checksum = createHash('sha256').update(migration.sql).digest('hex');
      const previous = done.get(migration.version);
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new Error(
            `Migration ${schema}/${migration.version}_${migration.name} changed after it was applied; add a new migration instead.`,
          );
        }
        continue;
      }
      // Statements run one by one through the parameterised path, inside the locked transaction.
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query(
        `INSERT INTO ${schema}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`,
        [migration.version, migration.name, checksum],
      );
      applied.push(`${migration.version}_${migration.name}`);
    }
  });
  return { applied };
}

/**
 * Splits a migration script into statements on top-level semicolons, keeping dollar-quoted bodies
 * (functions, triggers), quoted strings and comments intact.
 */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  while (i < script.length) {
    const ch = script[i]!;
    const rest = script.slice(i);
    if (rest.startsWith('--')) {
      const end = script.indexOf('\n', i);
      i = end === -1 ? script.length : end + 1;
      continue;
    }
    if (rest.startsWith('/*')) {
      const end = script.indexOf('*/', i + 2);
      i = end === -1 ? script.length : end + 2;
      continue;
    }
    const dollar = /^\$[A-Za-z_]*\$/.exec(rest);
    if (dollar) {
      const tag = dollar[0];
      const end = script.indexOf(tag, i + tag.length);
      const stop = end === -1 ? script.length : end + tag.length;
      current += script.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < script.length) {
        if (script[j] === ch && script[j + 1] === ch) j += 2;
        else if (script[j] === ch) break;
        else j += 1;
      }
      current += script.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
      i += 1;
      continue;
    }
    current += ch;
    i += 1;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}
