import type { SqlExecutor } from '@polyshop/stores';

/**
 * PostgreSQL's own statistics for the platform's database, each `undefined` when the engine does not
 * keep it (PGlite keeps no activity views) or the role may not read it: the advice then says so.
 */

/** `pg_stat_database.deadlocks`: deadlocks since the statistics were last reset, and when that was. */
export async function readDeadlocks(
  db: SqlExecutor,
): Promise<{ deadlocks: number; since: Date | null } | undefined> {
  const rows = await optional(() =>
    db.query<{ deadlocks: string; stats_reset: Date | null }>(
      'SELECT deadlocks::text AS deadlocks, stats_reset FROM pg_stat_database WHERE datname = current_database()',
    ),
  );
  const row = rows?.[0];
  return row && { deadlocks: Number(row.deadlocks), since: row.stats_reset };
}

/** Lock requests of the database's sessions that wait right now (`pg_locks`, not granted). */
export async function readLockWaits(db: SqlExecutor): Promise<number | undefined> {
  const rows = await optional(() =>
    db.query<{ waits: number }>(
      `SELECT count(*)::int AS waits FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE NOT l.granted AND a.datname = current_database()`,
    ),
  );
  return rows?.[0]?.waits;
}

/** Statement shapes on tables of `schema` that use JSON operators or functions. */
export interface JsonQueryShapes {
  shapes: number;
  calls: number;
  /** When `pg_stat_statements` was last reset (PostgreSQL 14+), else `null`. */
  since: Date | null;
}

/**
 * From `pg_stat_statements` (normalised statements, one row per shape), when the extension is
 * installed in the database and loaded by the server; else `undefined`.
 */
export async function readJsonQueryShapes(
  db: SqlExecutor,
  schema: string,
): Promise<JsonQueryShapes | undefined> {
  const installed = await optional(() =>
    db.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"),
  );
  if (!installed?.length) return undefined;
  const rows = await optional(() =>
    db.query<{ shapes: number; calls: string }>(
      `SELECT count(*)::int AS shapes, COALESCE(sum(calls), 0)::text AS calls
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
       WHERE d.datname = current_database()
         AND position($1 IN s.query) > 0
         AND s.query ~ '(->>|->|#>|@>|\\?\\||\\?&|jsonb?_)'`,
      [`${schema}.`],
    ),
  );
  if (!rows?.[0]) return undefined;
  const reset = await optional(() =>
    db.query<{ stats_reset: Date | null }>('SELECT stats_reset FROM pg_stat_statements_info'),
  );
  return { shapes: rows[0].shapes, calls: Number(rows[0].calls), since: reset?.[0]?.stats_reset ?? null };
}

/** Whether `qualified` (`schema.table`) exists: a service's tables exist once it has run. */
export async function tableExists(db: SqlExecutor, qualified: string): Promise<boolean> {
  const rows = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    qualified,
  ]);
  return rows[0]?.present === true;
}

async function optional<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}
