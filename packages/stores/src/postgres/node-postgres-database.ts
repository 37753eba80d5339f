import pg from 'pg';
import {
  beginStatement,
  type SqlDatabase,
  type SqlExecutor,
  type TransactionOptions,
} from './sql-database.ts';

const INT8 = 20;

/** Same type conventions as PGlite: int8 → number, numeric stays an exact string. */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};

export interface NodePostgresOptions {
  url: string;
  /** Connections in the pool. */
  poolSize?: number;
  applicationName?: string;
}

/** A real PostgreSQL server through a node-postgres connection pool. */
export class NodePostgresDatabase implements SqlDatabase {
  readonly engine = 'postgres' as const;
  readonly #pool: pg.Pool;

  constructor(options: NodePostgresOptions) {
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      types: typeParsers,
      application_name: options.applicationName ?? 'polyshop',
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.#pool.on('error', () => {});
  }

  async query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.#pool.query(text, params as unknown[])).rows as R[];
  }

  async execute(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.#pool.query(text, params as unknown[])).rowCount ?? 0;
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const client = await this.#pool.connect();
    let broken = false;
    try {
      await client.query(beginStatement(options));
      const result = await work(new ClientExecutor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async exec(script: string): Promise<void> {
    await this.#pool.query(script);
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

class ClientExecutor implements SqlExecutor {
  readonly #client: pg.PoolClient;
  constructor(client: pg.PoolClient) {
    this.#client = client;
  }
  async query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.#client.query(text, params as unknown[])).rows as R[];
  }
  async execute(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.#client.query(text, params as unknown[])).rowCount ?? 0;
  }
}
