import type { SqlDatabase, SqlExecutor, TransactionOptions } from '@polyshop/stores';

/** One statement as an adapter sent it. */
export interface RecordedStatement {
  text: string;
  params: readonly unknown[];
  /** Rows it returned (`query`) or affected (`execute`). */
  rows: number;
}

/**
 * What the database ran as one unit: a transaction (`BEGIN … COMMIT`, with its isolation level), or a
 * statement on its own (its own implicit transaction).
 */
export interface RecordedUnit {
  transaction: boolean;
  isolation?: TransactionOptions['isolation'];
  statements: RecordedStatement[];
}

/** Statements and transactions the database ran, counted since the last `resetCounts()`. */
export interface StatementCounts {
  statements: number;
  transactions: number;
}

/**
 * A `SqlDatabase` that passes everything to `inner`, counts statements and transactions, and while
 * `record()` is on keeps every unit it ran, so that a benchmark can replay a request's own SQL.
 */
export class RecordingDatabase implements SqlDatabase {
  readonly inner: SqlDatabase;
  readonly #counts: StatementCounts = { statements: 0, transactions: 0 };
  #recording: RecordedUnit[] | undefined;

  constructor(inner: SqlDatabase) {
    this.inner = inner;
  }

  get engine(): SqlDatabase['engine'] {
    return this.inner.engine;
  }

  /** Starts keeping units (dropping any kept before). */
  record(): void {
    this.#recording = [];
  }

  /** Stops keeping units and returns those kept since `record()`. */
  stopRecording(): RecordedUnit[] {
    const units = this.#recording ?? [];
    this.#recording = undefined;
    return units;
  }

  counts(): StatementCounts {
    return { ...this.#counts };
  }

  resetCounts(): void {
    this.#counts.statements = 0;
    this.#counts.transactions = 0;
  }

  /** Counts a statement, and keeps it (in `unit`, else as a unit of its own) while recording. */
  async #run<T>(
    unit: RecordedUnit | undefined,
    text: string,
    params: readonly unknown[],
    run: () => Promise<T>,
    rows: (result: T) => number,
  ): Promise<T> {
    this.#counts.statements++;
    const recording = this.#recording;
    const result = await run();
    if (recording) {
      const statement = { text, params: [...params], rows: rows(result) };
      if (unit) unit.statements.push(statement);
      else recording.push({ transaction: false, statements: [statement] });
    }
    return result;
  }

  query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.#run(
      undefined,
      text,
      params,
      () => this.inner.query<R>(text, params),
      (r) => r.length,
    );
  }

  execute(text: string, params: readonly unknown[] = []): Promise<number> {
    return this.#run(
      undefined,
      text,
      params,
      () => this.inner.execute(text, params),
      (n) => n,
    );
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    this.#counts.transactions++;
    const unit: RecordedUnit = {
      transaction: true,
      ...(options?.isolation ? { isolation: options.isolation } : {}),
      statements: [],
    };
    const recording = this.#recording;
    const result = await this.inner.transaction(
      (tx) =>
        work({
          query: <R>(text: string, params: readonly unknown[] = []) =>
            this.#run(
              unit,
              text,
              params,
              () => tx.query<R>(text, params),
              (r) => r.length,
            ),
          execute: (text: string, params: readonly unknown[] = []) =>
            this.#run(
              unit,
              text,
              params,
              () => tx.execute(text, params),
              (n) => n,
            ),
        }),
      options,
    );
    // Only committed transactions are replayed; a rolled-back one threw above.
    if (recording && recording === this.#recording) recording.push(unit);
    return result;
  }

  exec(script: string): Promise<void> {
    return this.inner.exec(script);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
