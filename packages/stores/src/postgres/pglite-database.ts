import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite, protocol, types } from '@electric-sql/pglite';
import { lockDataFolder } from './data-folder-lock.ts';
import { OldestFirstGate } from './oldest-first-gate.ts';
import { PgliteStatements } from './pglite-statement.ts';
import {
  beginStatement,
  type SqlDatabase,
  type SqlExecutor,
  type TransactionOptions,
} from './sql-database.ts';

const parsers = {
  [types.INT8]: (value: string) => Number(value),
  [types.NUMERIC]: (value: string) => value,
};

/**
 * PostgreSQL's buffer pool, inside the WASM heap, by default: initdb picks 128MB, all of it resident
 * from the start. An embedded database's files are in this process's memory (in memory) or the OS
 * cache (on disk) anyway, so a small pool costs a copy on a miss, not a disk read. 16MB takes about
 * 110 MB off the idle RSS of `polyshop start`; a large catalogue reads faster with more
 * (`PGLITE_SHARED_BUFFERS`: at 100k products a search runs ~1.7x faster with 64MB, whose pool holds
 * the search table, for ~50 MB more RSS).
 */
export const DEFAULT_PGLITE_SHARED_BUFFERS = '16MB';

/** The server's start parameters with `shared_buffers` (a PostgreSQL memory setting, `64MB`). */
function startParamsFor(sharedBuffers: string): string[] {
  return [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`];
}

/** A Node program that creates a PGlite cluster: `node --eval <it> <pglite module URL> <data folder> <start params>`. */
const CREATE_CLUSTER = `const [url, dataDir, params] = process.argv.slice(1);
const { PGlite } = await import(url);
await (await PGlite.create(dataDir, { startParams: JSON.parse(params) })).close();`;

/**
 * Creates the cluster of a new data folder in a child process. PGlite runs initdb in a second WASM
 * instance and copies its heap: in this process about 130 MB of that would stay resident for good
 * (measured: 409 MB after initdb and a reopen against 277 MB for opening an existing folder).
 */
async function createCluster(dataDir: string, startParams: string[]): Promise<void> {
  await promisify(execFile)(process.execPath, [
    '--input-type=module',
    '--eval',
    CREATE_CLUSTER,
    import.meta.resolve('@electric-sql/pglite'),
    dataDir,
    JSON.stringify(startParams),
  ]);
}

/** Where the fresh in-memory cluster is kept between processes: one file per PGlite build and start parameters. */
function templatePath(startParams: string[]): string {
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  const key = createHash('sha256')
    .update(`${version}\0${JSON.stringify(startParams)}`)
    .digest('hex');
  return join(tmpdir(), `polyshop-pglite-${version}-${key.slice(0, 12)}.tar`);
}

const templates = new Map<string, Promise<Blob>>();

/**
 * A new, empty cluster as a data-folder dump, to load instead of running initdb: an in-memory open
 * (every test opens several) then costs a load, about a quarter of an initdb. Made once (initdb,
 * dump) and kept in the OS temp folder for the processes that follow, keyed by the PGlite version
 * and start parameters; written to a unique name and renamed, so concurrent processes never read half
 * a file.
 */
function freshCluster(startParams: string[]): Promise<Blob> {
  const key = JSON.stringify(startParams);
  let template = templates.get(key);
  if (!template) {
    template = (async () => {
      const path = templatePath(startParams);
      const kept = await readFile(path).catch(() => undefined);
      if (kept) return new Blob([kept]);
      const db = await PGlite.create({ startParams });
      const dump = await db.dumpDataDir('none');
      await db.close();
      const partial = `${path}.${process.pid}.${Date.now()}`;
      await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
      await rename(partial, path);
      return dump;
    })();
    templates.set(key, template);
    template.catch(() => templates.delete(key));
  }
  return template;
}

/**
 * PostgreSQL compiled to WASM, in this process. `dataDir` keeps data on disk (`./.polyshop/pgdata`);
 * without it the database lives in memory (tests). Open one per process and share it: a cold start
 * costs seconds.
 */
export class PgliteDatabase implements SqlDatabase {
  readonly engine = 'pglite' as const;
  readonly #db: PGlite;
  /** PGlite is one connection: statements and transactions take turns, the oldest request's first. */
  readonly #gate = new OldestFirstGate();
  readonly #statements: PgliteStatements;

  /** Releases the data folder's lock (`lockDataFolder`); none in memory. */
  readonly #unlock: () => void;

  private constructor(db: PGlite, unlock: () => void = () => {}) {
    this.#db = db;
    this.#statements = new PgliteStatements(db);
    this.#unlock = unlock;
  }

  static async open(config: { dataDir?: string; sharedBuffers?: string } = {}): Promise<PgliteDatabase> {
    const { dataDir } = config;
    const startParams = startParamsFor(config.sharedBuffers ?? DEFAULT_PGLITE_SHARED_BUFFERS);
    if (!dataDir) {
      const loadDataDir = await freshCluster(startParams);
      return new PgliteDatabase(await PGlite.create({ parsers, startParams, loadDataDir }));
    }
    mkdirSync(dataDir, { recursive: true });
    const unlock = lockDataFolder(dataDir); // before initdb too: two first starts must not both create it
    try {
      if (!existsSync(join(dataDir, 'PG_VERSION'))) await createCluster(dataDir, startParams);
      return new PgliteDatabase(await PGlite.create(dataDir, { parsers, startParams }), unlock);
    } catch (error) {
      unlock();
      throw error;
    }
  }

  async query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.#gate.run(() => this.#statement(text, params, false));
    return result.rows as R[];
  }

  async execute(text: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.#gate.run(() => this.#statement(text, params, false));
    return result.affectedRows ?? 0;
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    // PGlite has a single connection: a transaction holds it until it ends, so statements of other
    // callers wait instead of landing inside this transaction.
    return this.#gate.run(async () => {
      await this.#control(beginStatement(options), false);
      let open = true;
      const tx: SqlExecutor = {
        query: async <R>(text: string, params: readonly unknown[] = []) => {
          if (!open) throw new Error('This transaction has ended.');
          return (await this.#statement(text, params, true)).rows as R[];
        },
        execute: async (text: string, params: readonly unknown[] = []) => {
          if (!open) throw new Error('This transaction has ended.');
          return (await this.#statement(text, params, true)).affectedRows ?? 0;
        },
      };
      try {
        const result = await work(tx);
        open = false;
        // A statement failed inside and `work` went on: PostgreSQL answers COMMIT with ROLLBACK.
        if ((await this.#control('COMMIT', true)) === 'ROLLBACK') throw new TransactionAbortedError();
        return result;
      } catch (error) {
        if (open) {
          open = false;
          await this.#control('ROLLBACK', true);
        }
        throw error;
      }
    });
  }

  /**
   * BEGIN, COMMIT or ROLLBACK as one simple-protocol message, one call into WASM; resolves to its
   * command tag (`ROLLBACK` for a COMMIT of a failed transaction). PGlite's `exec()` costs ~100–150 µs
   * of CPU more per BEGIN/COMMIT pair (its mutex, parsing every result): about 2 ms of the ~20 ms of
   * CPU a checkout's 15 transactions take.
   */
  async #control(text: string, syncToFs: boolean): Promise<string | undefined> {
    const { messages } = await this.#db.execProtocol(protocol.serialize.query(text), { syncToFs });
    const done = messages.find((message) => message.name === 'commandComplete');
    return done && 'text' in done ? String(done.text) : undefined;
  }

  #statement(text: string, params: readonly unknown[], inTransaction: boolean) {
    return this.#statements.run(text, params, { inTransaction });
  }

  async exec(script: string): Promise<void> {
    await this.#gate.run(() => this.#db.exec(script));
  }

  async ping(): Promise<void> {
    await this.#gate.run(() => this.#db.query('SELECT 1'));
  }

  async close(): Promise<void> {
    try {
      if (!this.#db.closed) await this.#db.close();
    } finally {
      this.#unlock();
    }
  }
}

/** COMMIT of a transaction in which a statement failed: nothing was committed. */
export class TransactionAbortedError extends Error {
  constructor() {
    super('The transaction was rolled back: a statement in it failed.');
    this.name = 'TransactionAbortedError';
  }
}
