import { randomUUID } from 'node:crypto';
import type { EventPublisher, Logger } from '@polyshop/kernel';
import { OUTBOX_RETENTION_MS, PollingRelay, type RelayBatch } from '../polling-relay.ts';
import type { OutboxRow } from './messaging-tables.ts';
import type { SqlDatabase } from './sql-database.ts';

export interface OutboxRelayOptions {
  db: SqlDatabase;
  schema: string;
  publisher: EventPublisher;
  logger: Logger;
  /** Poll interval when idle; `wake()` publishes sooner. */
  intervalMs?: number;
  batchSize?: number;
  /** How long a relay's claim on the schema lasts without renewal (a crashed relay's successor waits this long). */
  leaseMs?: number;
  /**
   * Longest a published row waits to be marked published (default 100 ms): marks are written in
   * groups, with the next read, instead of one durable commit per batch.
   */
  markDelayMs?: number;
  /** How long a published row is kept before `prune()` deletes it (default 7 days). */
  retentionMs?: number;
  /** How often the lease holder prunes (default once a minute). */
  pruneEveryMs?: number;
}

/**
 * Publishes a service's outbox in `seq` order, one event at a time, so the events of an aggregate
 * reach the bus in the order they were written (two transactions changing one aggregate are ordered
 * by the lock on its row, so their outbox rows are too).
 *
 * Only one relay per schema publishes at a time: it holds a lease row (`outbox_relay_lease`), renewed
 * every batch, and other relays wait for it to expire; two relays publishing at once could reorder
 * events. A batch is read, published and then marked published **without** holding a transaction,
 * because the in-process bus resolves `publish` only after the handlers ran, and those handlers write
 * to the same database (a single connection on PGlite). A crash between publishing and marking
 * republishes the rows (at-least-once): the NATS bus drops duplicates within its window, and
 * consumers de-duplicate on the event id (`handleOnce`).
 *
 * Marks are grouped: the rows published since the last mark are kept in memory (and left out of the
 * next reads), then marked in the same statement as a later read once `markDelayMs` has passed or a
 * batch's worth has gathered, on `flush()` and on `stop()`. A crash republishes at most those rows.
 *
 * Published rows are kept `retentionMs` (7 days, the NATS stream's age), then pruned by the lease
 * holder (`prune()`, once a minute), so the outbox does not grow for ever; on PGlite, which has no
 * autovacuum, the relay then vacuums the outbox itself.
 */
export class OutboxRelay extends PollingRelay {
  readonly #options: Required<Omit<OutboxRelayOptions, 'logger' | 'pruneEveryMs'>> & { logger: Logger };
  readonly #holder = randomUUID();
  /** When this relay's lease must be renewed (`performance.now()` ms); 0 when it holds none. */
  #renewAt = 0;
  /** Published rows not yet marked, and when rows were last marked (`performance.now()` ms). */
  #unmarked: number[] = [];
  #markedAt = 0;

  constructor(options: OutboxRelayOptions) {
    const resolved = {
      intervalMs: 250,
      batchSize: 100,
      leaseMs: 30_000,
      markDelayMs: 100,
      retentionMs: OUTBOX_RETENTION_MS,
      ...options,
    };
    super(resolved);
    this.#options = resolved;
    this.#markedAt = performance.now();
  }

  override async flush(): Promise<number> {
    const published = await super.flush();
    await this.#markPublished();
    return published;
  }

  protected async releaseLease(): Promise<void> {
    const { db, schema } = this.#options;
    await this.#markPublished().catch(() => undefined);
    this.#renewAt = 0;
    await db
      .execute(`DELETE FROM ${schema}.outbox_relay_lease WHERE holder = $1`, [this.#holder])
      // Best effort: a lease not handed back expires on its own, it only delays the next relay.
      .catch(() => undefined);
  }

  protected describe(): Record<string, unknown> {
    return { schema: this.#options.schema };
  }

  /**
   * Deletes published rows older than `retentionMs`, by the lease holder only: each statement looks
   * at the oldest rows by `seq` (the primary key, so a statement reads a bounded number of rows
   * however large the table) and deletes those published before the cut-off (`pruneInSteps`). Rows
   * not yet marked are unpublished to it, and stay.
   */
  override async prune(): Promise<number> {
    const { db, schema, retentionMs } = this.#options;
    if (this.#renewAt === 0) return 0;
    const pruned = await this.pruneInSteps((limit) =>
      db.execute(
        `DELETE FROM ${schema}.outbox
         WHERE seq IN (SELECT seq FROM ${schema}.outbox ORDER BY seq LIMIT $1)
           AND published_at < now() - $2 * interval '1 millisecond'`,
        [limit, retentionMs],
      ),
    );
    // PGlite has no autovacuum: without this the deleted rows' space would never be reused.
    if (pruned > 0 && db.engine === 'pglite') await db.execute(`VACUUM ${schema}.outbox`);
    return pruned;
  }

  /**
   * Takes or renews the schema's lease; false while another relay holds an unexpired one. A lease
   * taken less than half its length ago is still held: it is renewed then, not on every batch (an
   * idle relay used to write its lease row four times a second).
   */
  async #lease(): Promise<boolean> {
    const { db, schema, leaseMs } = this.#options;
    const sentAt = performance.now();
    if (sentAt < this.#renewAt) return true;
    this.#renewAt = 0;
    const rows = await db.query(
      `INSERT INTO ${schema}.outbox_relay_lease (id, holder, expires_at)
       VALUES (1, $1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE ${schema}.outbox_relay_lease.holder = EXCLUDED.holder OR ${schema}.outbox_relay_lease.expires_at < now()
       RETURNING holder`,
      [this.#holder, leaseMs],
    );
    if (rows.length !== 1) return false;
    // The server's expiry is `now() + leaseMs` from a moment after `sentAt`: renewing by half-time is safe.
    this.#renewAt = sentAt + leaseMs / 2;
    return true;
  }

  /** Marks every published row not marked yet. */
  async #markPublished(): Promise<void> {
    if (this.#unmarked.length === 0) return;
    const { db, schema } = this.#options;
    const seqs = [...this.#unmarked];
    await db.query(`UPDATE ${schema}.outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [seqs]);
    this.#unmarked = this.#unmarked.slice(seqs.length);
    this.#markedAt = performance.now();
  }

  protected async publishBatch(): Promise<RelayBatch> {
    const { db, schema, publisher, batchSize, markDelayMs } = this.#options;
    if (!(await this.#lease())) return { published: 0, more: false };
    const unmarked = [...this.#unmarked];
    const markNow =
      unmarked.length > 0 &&
      (unmarked.length >= batchSize || performance.now() - this.#markedAt >= markDelayMs);
    const read = `SELECT seq, envelope FROM ${schema}.outbox
       WHERE published_at IS NULL AND seq <> ALL($2::bigint[]) ORDER BY seq LIMIT $1`;
    // The read does not see the mark made in its own statement, hence `seq <> ALL(...)` in both forms.
    const rows = await db.query<Pick<OutboxRow, 'seq' | 'envelope'>>(
      markNow
        ? `WITH marked AS (UPDATE ${schema}.outbox SET published_at = now() WHERE seq = ANY($2::bigint[])) ${read}`
        : read,
      [batchSize, unmarked],
    );
    if (markNow) {
      this.#unmarked = this.#unmarked.slice(unmarked.length);
      this.#markedAt = performance.now();
    }
    let published = 0;
    for (const row of rows) {
      await publisher.publish(row.envelope);
      // Kept even when a later event of the batch fails: marked with a later read, fewer duplicates.
      this.#unmarked.push(row.seq);
      published += 1;
    }
    return { published, more: rows.length === batchSize };
  }
}
