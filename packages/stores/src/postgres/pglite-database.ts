import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import type { SqlDatabase, SqlExecutor, TransactionOptions } from './sql-database.ts';

const parsers = {
  [types.INT8]: (value: string) => Number(value),
  [types.NUMERIC]: (value: string) => value,
};

/**
 * PostgreSQL's buffer pool, inside the WASM heap: initdb picks 128MB, all of it resident once touched.
 * An embedded database's files are in this process's memory (in memory) or the OS cache (on disk)
 * anyway, so a small pool costs a copy on a miss, not a disk read. 16MB takes about 110 MB off the
 * idle RSS of `polyshop start`.
 */
const SHARED_BUFFERS = '16MB';

const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`];

/** A Node program that creates a PGlite cluster: `node --eval <it> <pglite module URL> <data folder> <start params>`. */
const CREATE_CLUSTER = `const [url, dataDir, params] = process.argv.slice(1);
const { PGlite } = await import(url);
await (await PGlite.create(dataDir, { startParams: JSON.parse(params) })).close();`;

/**
 * Creates the cluster of a new data folder in a child process. PGlite runs initdb in a second WASM
 * instance and copies its heap: in this process about 130 MB of that would stay resident for good
 * (measured: 409 MB after initdb and a reopen against 277 MB for opening an existing folder).
 */
async function createCluster(dataDir: string): Promise<void> {
  await promisify(execFile)(process.execPath, [
    '--input-type=module',
    '--eval',
    CREATE_CLUSTER,
    import.meta.resolve('@electric-sql/pglite'),
    dataDir,
    JSON.stringify(startParams),
  ]);
}

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

  static async open(config: { dataDir?: string } = {}): Promise<PgliteDatabase> {
    const { dataDir } = config;
    if (dataDir && !existsSync(join(dataDir, 'PG_VERSION'))) {
      mkdirSync(dataDir, { recursive: true });
      await createCluster(dataDir);
    }
    return new PgliteDatabase(await PGlite.create(dataDir, { parsers, startParams }));
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
