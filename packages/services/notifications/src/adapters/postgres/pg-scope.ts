import type { SqlDatabase, SqlExecutor } from '@polyshop/stores';

/** The schema every notification table lives in. */
export const SCHEMA = 'notifications';

/**
 * Where a Postgres store runs its statements: on the database (each multi-statement operation in
 * its own transaction), or inside a transaction it was handed (the inbox's), where it joins it.
 */
export class PgScope {
  readonly executor: SqlExecutor;
  readonly #db: SqlDatabase | undefined;

  constructor(executor: SqlExecutor, db?: SqlDatabase) {
    this.executor = executor;
    this.#db = db;
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#db ? this.#db.transaction(work) : work(this.executor);
  }
}

export function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
