import { randomUUID } from 'node:crypto';
import type { EventPublisher, Logger } from '@polyshop/kernel';
import { PollingRelay, type RelayBatch } from '../polling-relay.ts';
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
 */
export class OutboxRelay extends PollingRelay {
  readonly #options: Required<Omit<OutboxRelayOptions, 'logger'>> & { logger: Logger };
  readonly #holder = randomUUID();
  /** When this relay's lease must be renewed (`performance.now()` ms); 0 when it holds none. */
  #renewAt = 0;

  constructor(options: OutboxRelayOptions) {
    const resolved = { intervalMs: 250, batchSize: 100, leaseMs: 30_000, ...options };
    super(resolved);
    this.#options = resolved;
  }

  protected async releaseLease(): Promise<void> {
    const { db, schema } = this.#options;
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

  protected async publishBatch(): Promise<RelayBatch> {
    const { db, schema, publisher, batchSize } = this.#options;
    if (!(await this.#lease())) return { published: 0, more: false };
    const rows = await db.query<Pick<OutboxRow, 'seq' | 'envelope'>>(
      `SELECT seq, envelope FROM ${schema}.outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
      [batchSize],
    );
    const published: number[] = [];
    try {
      for (const row of rows) {
        await publisher.publish(row.envelope);
        published.push(row.seq);
      }
    } finally {
      // Mark what reached the bus even when a later event of the batch failed: fewer duplicates.
      if (published.length > 0) {
        await db.query(`UPDATE ${schema}.outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [
          published,
        ]);
      }
    }
    return { published: published.length, more: rows.length === batchSize };
  }
}
