import { randomBytes } from 'node:crypto';
import { NodePostgresDatabase, PgliteDatabase, type SqlDatabase } from '@polyshop/stores';
import { skipReason, testServerUrl } from './test-servers.ts';

/** One PostgreSQL engine a suite runs against. */
export interface PostgresTarget {
  name: 'pglite' | 'postgres';
  /** A skip reason when the engine is not available here (never under CI=true: that throws). */
  skip: string | false;
  /** A fresh, empty database: in-memory PGlite, or a new database on the real server. */
  open(): Promise<SqlDatabase>;
  /** Closes it (and drops the database on the real server). */
  close(db: SqlDatabase): Promise<void>;
}

const VARIABLE = 'POLYSHOP_TEST_DATABASE_URL';

/** The URL of the real PostgreSQL test server (see `scripts/servers up postgres`). */
export function testDatabaseUrl(): string | undefined {
  return testServerUrl(VARIABLE);
}

const created = new WeakMap<SqlDatabase, string>();

/**
 * Every PostgreSQL engine a store suite must pass on: PGlite, always; the real server from
 * `POLYSHOP_TEST_DATABASE_URL` (skipped loudly when missing locally, a failure under CI=true).
 */
export function postgresTargets(): PostgresTarget[] {
  const url = testDatabaseUrl();
  return [
    {
      name: 'pglite',
      skip: false,
      open: () => PgliteDatabase.open(),
      close: (db) => db.close(),
    },
    {
      name: 'postgres',
      skip: skipReason(VARIABLE, url),
      async open() {
        const { url: dbUrl, name } = await createTestDatabase(url!);
        const db = new NodePostgresDatabase({ url: dbUrl, poolSize: 20 });
        created.set(db, name);
        return db;
      },
      async close(db) {
        await db.close();
        const name = created.get(db);
        if (name) await dropTestDatabase(url!, name);
      },
    },
  ];
}

/** Creates an empty database on the server for one test file, so files can run in parallel. */
export async function createTestDatabase(serverUrl: string): Promise<{ url: string; name: string }> {
  const name = `polyshop_t_${randomBytes(6).toString('hex')}`;
  const admin = new NodePostgresDatabase({ url: serverUrl, poolSize: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  return { url: target.toString(), name };
}

export async function dropTestDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = new NodePostgresDatabase({ url: serverUrl, poolSize: 1 });
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.close();
  }
}
