import pg from 'pg';
import {
  beginStatement,
  type SqlDatabase,
  type SqlExecutor,
  type TransactionOptions,
} from './sql-database.ts';
import { isStalePlan, StatementNames } from './statement-names.ts';

const INT8 = 20;

/** Same type conventions as PGlite: int8 → number, numeric stays an exact string. */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};

/**
 * Runs a statement by name. A stale prepared statement is never named again; on its own (`pool`) it is
 * run again unnamed at once, inside a transaction (aborted by the error) the error goes to the caller.
 */
async function run(
  client: pg.Pool | pg.PoolClient,
  names: StatementNames,
  text: string,
  params: readonly unknown[],
): Promise<pg.QueryResult> {
  try {
    const name = names.name(text, params);
    const values = params as unknown[];
    return await client.query(name ? { name, text, values } : { text, values });
  } catch (error) {
    if (!isStalePlan(error)) throw error;
    names.forget(text);
    if (!(client instanceof pg.Pool)) throw error;
    return client.query(text, params as unknown[]);
  }
}

export interface NodePostgresOptions {
  url: string;
  /** Connections in the pool. */
  poolSize?: number;
  applicationName?: string;
  /** Run parameterised statements by name, planned once per connection (default true; see `StatementNames`). */
  preparedStatements?: boolean;
}

/** A real PostgreSQL server through a node-postgres connection pool. */
export class NodePostgresDatabase implements SqlDatabase {
  readonly engine = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #names: StatementNames;

  constructor(options: NodePostgresOptions) {
    this.#names = new StatementNames(options.preparedStatements === false ? 0 : 1000);
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
    return (await run(this.#pool, this.#names, text, params)).rows as R[];
  }

  async execute(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await run(this.#pool, this.#names, text, params)).rowCount ?? 0;
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const client = await this.#pool.connect();
    let broken = false;
    try {
      await client.query(beginStatement(options));
      const result = await work(new ClientExecutor(client, this.#names));
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
  readonly #names: StatementNames;
  constructor(client: pg.PoolClient, names: StatementNames) {
    this.#client = client;
    this.#names = names;
  }
  async query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await run(this.#client, this.#names, text, params)).rows as R[];
  }
  async execute(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await run(this.#client, this.#names, text, params)).rowCount ?? 0;
  }
}
