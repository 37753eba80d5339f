/**
 * What a migratable service gives the engine for each of its stores: a small adapter that reads its
 * records in key order, writes a record only if it is newer, and knows nothing about phases. The
 * engine copies, compares and repairs through it; the service's own repository keeps serving users.
 */

/** One record of a service, store-neutral: the domain object as the service's repository reads it. */
export interface MigrationRecord {
  /** The record's key within its kind (a product id, a category slug, a SKU). */
  key: string;
  /** Grows with every change of the record (the repository's compare-and-set version). */
  version: number;
  /** The domain object (`Product`, `Category`, …); `MigrationSide.canonical` turns it into plain JSON. */
  body: unknown;
}

/** The records by their key (a key twice: the last one). */
export function recordsByKey(records: readonly MigrationRecord[]): Map<string, MigrationRecord> {
  return new Map(records.map((record) => [record.key, record]));
}

/** How `upsertIfNewer` treats a record whose stored version is the same or higher. */
export interface UpsertOptions {
  /** Write even when the stored version is the same or higher (repair copies the source side over). */
  force?: boolean;
}

/** One view on which two sides disagree (e.g. one query of a sample): its name and each side's answer. */
export interface ViewDifference {
  /** Names the view (e.g. the query), unique within its comparison. */
  key: string;
  /** What the source side shows, as plain JSON. */
  source: unknown;
  /** What the target side shows, as plain JSON. */
  target: unknown;
}

/** What `MigrationSide.compareViews` found: how many views it compared, and those that differ. */
export interface ViewComparison {
  /** The name the report files these under, beside the record kinds (e.g. `queries`). */
  kind: string;
  /** Views compared. */
  compared: number;
  differences: ViewDifference[];
}

/**
 * A service's data in one store, as the engine sees it. Both stores of a service implement it, and
 * they pass the same contract suite: what one side `scan`s, the other side's `upsertIfNewer` stores
 * so that both `canonical` forms are equal.
 */
export interface MigrationSide {
  /** The store (`postgres`, `mongodb`, `dynamodb`, `opensearch`). */
  readonly store: string;
  /**
   * The kinds of record, in the order they are copied (a kind others refer to first, e.g.
   * `categories` before `products`).
   */
  readonly kinds: readonly string[];
  /** Up to `limit` records of `kind` with keys strictly after `after` (all when undefined), in key order (code points). */
  scan(kind: string, after: string | undefined, limit: number): Promise<MigrationRecord[]>;
  /**
   * The highest key of `kind` (code-point order), or undefined when there is none. The backfill copies
   * up to the highest key at its start: records created later were written to both stores already.
   */
  lastKey(kind: string): Promise<string | undefined>;
  /** The records of `kind` with these keys; a key with no record is simply absent. */
  read(kind: string, keys: readonly string[]): Promise<MigrationRecord[]>;
  /**
   * Stores each record unless this side holds the same key at the same or a higher version
   * (`force` writes anyway). Writes no events: the source of truth's repository already did.
   * Resolves to the keys actually written.
   */
  upsertIfNewer(
    kind: string,
    records: readonly MigrationRecord[],
    options?: UpsertOptions,
  ): Promise<string[]>;
  /** Removes these keys of `kind` (repair of a record the source side does not have). */
  remove(kind: string, keys: readonly string[]): Promise<void>;
  /** How many records of `kind` this side holds. */
  count(kind: string): Promise<number>;
  /**
   * The record as plain JSON for comparison: money as decimal strings, timestamps as ISO strings to
   * the millisecond, set-like arrays sorted, no store-only fields. Equal on both sides when the
   * records are the same.
   */
  canonical(kind: string, body: unknown): unknown;
  /** Deletes every record of the service on this side (`cleanup`, after `finished`). */
  drop(): Promise<void>;
  /**
   * Optional: compares what users see through this side with what they see through `other` (the
   * same service on the other store), beyond record digests — e.g. a derived index answering a fixed
   * sample of queries. Verify calls it on the source side after the records, reads again like a
   * record difference (`settle`) and reports each difference under `ViewComparison.kind`.
   */
  compareViews?(other: MigrationSide): Promise<ViewComparison>;
}
