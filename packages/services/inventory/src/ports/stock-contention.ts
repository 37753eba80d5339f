/**
 * Why a stock write had to run again: another writer changed what it was conditioned on first.
 * PostgreSQL: `stale_row` (the one-statement reservation's version guard missed: the row moved since
 * this process last wrote it), `race` (a refused conditional write whose explanation showed the state
 * had moved), `deadlock`, `serialization_failure`. DynamoDB: `condition_failed` (a stock item's
 * version moved since it was read), `transaction_conflict` (another transaction was writing an item),
 * `throttled`.
 */
export type StockConflictKind =
  | 'stale_row'
  | 'race'
  | 'deadlock'
  | 'serialization_failure'
  | 'condition_failed'
  | 'transaction_conflict'
  | 'throttled';

/**
 * What a store adapter reports about contention on stock (metrics): each conflict, each write attempt
 * run again, and how long a write waited for its turn (a coalescing lane's queue, a SKU's lock in this
 * process) before it began. Called on hot paths: implementations must be cheap and never throw.
 */
export interface StockContention {
  /** A conditional write refused because another writer changed the row or item first. */
  conflict(kind: StockConflictKind): void;
  /** A write (or a batch of coalesced reservations) about to be attempted again. */
  retried(): void;
  /** Seconds a write waited before its first statement or request was sent. */
  waited(seconds: number): void;
}
