import type { SqlDatabase, SqlExecutor, TransactionOptions } from '@polyshop/stores';

/** The `operation` label of a SQL store operation: a statement's kind, a whole transaction, or a script. */
export const SQL_OPERATIONS = [
  'select',
  'insert',
  'update',
  'delete',
  'with',
  'ddl',
  'other',
  'transaction',
  'exec',
] as const;
export type SqlOperation = (typeof SQL_OPERATIONS)[number];

/** Records how long one operation took, in seconds (bound to a service and store by its owner). */
export type OperationObserver = Record<SqlOperation, (seconds: number) => void>;

const KINDS: ReadonlyMap<string, SqlOperation> = new Map([
  ['select', 'select'],
  ['insert', 'insert'],
  ['update', 'update'],
  ['delete', 'delete'],
  ['with', 'with'],
  ['create', 'ddl'],
  ['alter', 'ddl'],
  ['drop', 'ddl'],
]);

/**
 * The statement's kind from its first keyword (leading blanks, `--` and `/* *\/` comments skipped):
 * `select`, `insert`, `update`, `delete`, `with` (a CTE, whatever it ends in), `ddl` (create, alter,
 * drop: migrations), else `other` (locks, `SET`, `COPY` …) — a bounded
 * label, never the statement itself.
 */
export function statementKind(text: string): SqlOperation {
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && text.charCodeAt(i) <= 32) i++;
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      if (end < 0) return 'other';
      i = end + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return 'other';
      i = end + 2;
    } else break;
  }
  let j = i;
  while (j < n && j - i < 7) {
    const c = text.charCodeAt(j) | 32; // lower case for letters
    if (c < 97 || c > 122) break;
    j++;
  }
  return KINDS.get(text.slice(i, j).toLowerCase()) ?? 'other';
}

/**
 * A `SqlDatabase` that times every statement, transaction and script of the one it wraps (the platform
 * gives each service its own, labelled with the service). Statements inside a transaction are timed too,
 * and the transaction as a whole (`transaction`: begin to commit, with the time the work held it).
 */
export class MeteredDatabase implements SqlDatabase {
  readonly inner: SqlDatabase;
  readonly #observe: OperationObserver;
  readonly #tx: (tx: SqlExecutor) => SqlExecutor;

  constructor(inner: SqlDatabase, observe: OperationObserver) {
    this.inner = inner;
    this.#observe = observe;
    this.#tx = (tx) => new MeteredExecutor(tx, observe);
  }

  get engine(): SqlDatabase['engine'] {
    return this.inner.engine;
  }

  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]> {
    return timed(this.#observe[statementKind(text)], performance.now(), this.inner.query<R>(text, params));
  }

  execute(text: string, params?: readonly unknown[]): Promise<number> {
    return timed(this.#observe[statementKind(text)], performance.now(), this.inner.execute(text, params));
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const wrap = this.#tx;
    return timed(
      this.#observe.transaction,
      performance.now(),
      this.inner.transaction((tx) => work(wrap(tx)), options),
    );
  }

  exec(script: string): Promise<void> {
    return timed(this.#observe.exec, performance.now(), this.inner.exec(script));
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

class MeteredExecutor implements SqlExecutor {
  readonly #inner: SqlExecutor;
  readonly #observe: OperationObserver;

  constructor(inner: SqlExecutor, observe: OperationObserver) {
    this.#inner = inner;
    this.#observe = observe;
  }

  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]> {
    return timed(this.#observe[statementKind(text)], performance.now(), this.#inner.query<R>(text, params));
  }

  execute(text: string, params?: readonly unknown[]): Promise<number> {
    return timed(this.#observe[statementKind(text)], performance.now(), this.#inner.execute(text, params));
  }
}

/** Observes how long `operation` took from `start` (ms) until it settled (failures too), and passes it on. */
function timed<T>(observe: (seconds: number) => void, start: number, operation: Promise<T>): Promise<T> {
  // `then` with both handlers, not `finally`: one promise and one tick per statement instead of three
  return operation.then(
    (value) => {
      observe((performance.now() - start) / 1000);
      return value;
    },
    (error: unknown) => {
      observe((performance.now() - start) / 1000);
      throw error;
    },
  );
}
