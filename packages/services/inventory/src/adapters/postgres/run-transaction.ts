import {
  isTransientTransactionError,
  SqlState,
  sqlStateOf,
  type SqlDatabase,
  type SqlExecutor,
} from '@polyshop/stores';
import type { StockContention } from '../../ports/stock-contention.ts';

/**
 * Thrown inside a transaction to roll it back and make `runTransaction` resolve to `value`: an
 * expected outcome (insufficient stock) that must leave no trace.
 */
export class RollbackWith<T> extends Error {
  readonly value: T;
  constructor(value: T) {
    super('transaction rolled back on purpose');
    this.value = value;
  }
}

/**
 * Thrown inside a transaction when a read made to explain a refused conditional write shows that
 * the write would now succeed (another transaction committed in between): run it again.
 */
export class RaceDetected extends Error {
  constructor() {
    super('state changed between a refused write and its explanation');
  }
}

export interface RunTransactionOptions {
  /** Attempts in all (deadlock, serialization failure or a detected race). */
  maxAttempts: number;
  /** Called before retrying after a deadlock or serialization failure (not for `RaceDetected`). */
  onTransientRetry?: ((error: unknown, attempt: number) => void) | undefined;
  /** Told of each conflict that is retried (a detected race, a deadlock, a serialization failure). */
  contention?: StockContention | undefined;
}

/**
 * Runs `work` in a transaction. Deadlocks and serialization failures are retried as a safety net
 * only: writes lock SKUs in a fixed order, so they are not expected (and tests assert none happen).
 */
export async function runTransaction<T>(
  db: SqlDatabase,
  work: (tx: SqlExecutor) => Promise<T>,
  options: RunTransactionOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      if (error instanceof RollbackWith) return error.value as T;
      const race = error instanceof RaceDetected;
      if ((!race && !isTransientTransactionError(error)) || attempt >= options.maxAttempts) throw error;
      if (!race) options.onTransientRetry?.(error, attempt);
      if (options.contention) {
        options.contention.conflict(
          race
            ? 'race'
            : sqlStateOf(error) === SqlState.deadlockDetected
              ? 'deadlock'
              : 'serialization_failure',
        );
        options.contention.retried();
      }
    }
  }
}
