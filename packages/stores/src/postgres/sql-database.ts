/**
 * The one PostgreSQL query layer of polyshop. Every adapter is written against these two interfaces
 * and runs unchanged on embedded PGlite and on a real PostgreSQL server (node-postgres pool).
 *
 * Conventions both engines honour (see the type parsers in each implementation):
 * `numeric` → string (exact money), `int8`/`count(*)` → number, `timestamptz` → Date, `jsonb` → value.
 */
export interface SqlExecutor {
  /** Runs one parameterised statement (`$1`, `$2` …) and returns its rows. */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs one parameterised statement and returns the number of rows it affected. */
  execute(text: string, params?: readonly unknown[]): Promise<number>;
}

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  isolation?: IsolationLevel;
}

export interface SqlDatabase extends SqlExecutor {
  readonly engine: 'pglite' | 'postgres';
  /**
   * Runs `work` in one transaction: committed if it resolves, rolled back if it throws (the error
   * is rethrown). On PGlite transactions are serialised; on PostgreSQL each gets a pooled connection.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
  /** Resolves when the database answers; rejects otherwise (readiness probes). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function beginStatement(options?: TransactionOptions): string {
  return options?.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}` : 'BEGIN';
}

/**
 * Takes the transaction-scoped advisory lock on `key` in `tx`, a transaction of `db` — except on
 * PGlite: its one connection runs one transaction at a time, so no other could hold the lock, and the
 * statement would only cost a turn.
 */
export async function lockForTransaction(db: SqlDatabase, tx: SqlExecutor, key: string): Promise<void> {
  if (db.engine !== 'pglite') await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [key]);
}
