import { NodePostgresDatabase } from './node-postgres-database.ts';
import { PgliteDatabase } from './pglite-database.ts';
import type { SqlDatabase } from './sql-database.ts';

export interface PostgresConfig {
  /** A real server (`postgres://…`); without it, embedded PGlite. */
  url?: string | undefined;
  /** PGlite data folder; without it (and without url) the database is in memory. */
  dataDir?: string | undefined;
  poolSize?: number;
  /** PGlite's `shared_buffers` (`64MB`); default `DEFAULT_PGLITE_SHARED_BUFFERS`. */
  pgliteSharedBuffers?: string | undefined;
  /** Named (prepared) statements on a real server; default true. */
  preparedStatements?: boolean;
}

/** Opens the process's PostgreSQL: a pool to a real server when a URL is given, else PGlite. */
export async function openPostgres(config: PostgresConfig): Promise<SqlDatabase> {
  if (config.url) {
    const db = new NodePostgresDatabase({
      url: config.url,
      poolSize: config.poolSize ?? 10,
      preparedStatements: config.preparedStatements ?? true,
    });
    await db.ping();
    return db;
  }
  return PgliteDatabase.open({
    ...(config.dataDir ? { dataDir: config.dataDir } : {}),
    ...(config.pgliteSharedBuffers ? { sharedBuffers: config.pgliteSharedBuffers } : {}),
  });
}
