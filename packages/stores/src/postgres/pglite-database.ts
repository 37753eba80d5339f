import { mkdirSync } from 'node:fs';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import type { SqlDatabase, SqlExecutor, TransactionOptions } from './sql-database.ts';

const parsers = {
  [types.INT8]: (value: string) => Number(value),
  [types.NUMERIC]: (value: string) => value,
};

/**
 * PostgreSQL compiled to WASM, in this process. `dataDir` keeps data on disk (`./.polyshop/pgdata`);
 * without it the database lives in memory (tests). Open one per process and share it: a cold start
 * costs seconds.
 */
export class PgliteDatabase implements SqlDatabase {
  readonly engine = 'pglite' as const;
  readonly #db: PGlite;

  private constructor(db: PGlite) {
    this.#db = db;
  }

  static async open(options: { dataDir?: string } = {}): Promise<PgliteDatabase> {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    const db = await PGlite.create(options.dataDir, { parsers });
    return new PgliteDatabase(db);
  }

  async query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.#db.query<R>(text, params as unknown[]);
    return result.rows;
  }

  async execute(text: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.#db.query(text, params as unknown[]);
    return result.affectedRows ?? 0;
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    // PGlite has a single connection: its transaction() holds a mutex, so statements of other
    // callers wait instead of landing inside this transaction.
    return this.#db.transaction(async (tx) => {
      if (options?.isolation)
        await tx.query(`SET TRANSACTION ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
      return work(new PgliteTransaction(tx));
    });
  }

  async exec(script: string): Promise<void> {
    await this.#db.exec(script);
  }

  async ping(): Promise<void> {
    await this.#db.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (!this.#db.closed) await this.#db.close();
  }
}

class PgliteTransaction implements SqlExecutor {
  readonly #tx: Transaction;
  constructor(tx: Transaction) {
    this.#tx = tx;
  }
  async query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.#tx.query<R>(text, params as unknown[])).rows;
  }
  async execute(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.#tx.query(text, params as unknown[])).affectedRows ?? 0;
  }
}
