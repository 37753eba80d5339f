import type { EventEnvelope, EventPublisher, Logger } from '@polyshop/kernel';
import type { SqlDatabase } from './sql-database.ts';

export interface OutboxRelayOptions {
  db: SqlDatabase;
  schema: string;
  publisher: EventPublisher;
  logger: Logger;
  /** Poll interval when idle; `wake()` publishes sooner. */
  intervalMs?: number;
  batchSize?: number;
}

/**
 * Publishes a service's outbox in `seq` order, one event at a time, so the events of an aggregate
 * reach the bus in the order they were written (two transactions changing one aggregate are ordered
 * by the lock on its row, so their outbox rows are too). Only one relay per schema publishes at a
 * time (a transaction-scoped advisory lock; the others find it taken and wait for their next tick):
 * two relays publishing different rows at once could reorder them. A row is marked published in the
 * same transaction that read it, after the bus accepted it. A crash between the two republishes the
 * row (at-least-once): the NATS bus drops the duplicate within its window, and consumers
 * de-duplicate on the event id (`handleOnce`).
 */
export class OutboxRelay {
  readonly #options: Required<Omit<OutboxRelayOptions, 'logger'>> & { logger: Logger };
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;

  constructor(options: OutboxRelayOptions) {
    this.#options = { intervalMs: 250, batchSize: 100, ...options };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Publish now (call after a commit that wrote to the outbox). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  /** Publishes everything pending, then resolves (tests, shutdown); 0 while another relay of the schema is publishing. */
  async flush(): Promise<number> {
    await this.#running;
    let total = 0;
    for (;;) {
      const published = await this.#publishBatch();
      total += published;
      if (published === 0) return total;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delay: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), delay);
    this.#timer.unref();
  }

  #tick(): void {
    if (this.#running || this.#stopped) return;
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          while ((await this.#publishBatch()) === this.#options.batchSize && !this.#stopped);
        } while (this.#again && !this.#stopped);
      } catch (error) {
        this.#options.logger.warn({ err: error, schema: this.#options.schema }, 'outbox relay: publish failed, will retry');
      } finally {
        this.#running = undefined;
        if (!this.#stopped) this.#schedule(this.#options.intervalMs);
      }
    })();
  }

  async #publishBatch(): Promise<number> {
    const { db, schema, publisher, batchSize } = this.#options;
    return db.transaction(async (tx) => {
      const [lock] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [
        `polyshop.outbox.${schema}`,
      ]);
      if (!lock?.locked) return 0;
      const rows = await tx.query<{ seq: number; envelope: EventEnvelope }>(
        `SELECT seq, envelope FROM ${schema}.outbox WHERE published_at IS NULL
         ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      for (const row of rows) await publisher.publish(row.envelope);
      if (rows.length > 0) {
        await tx.query(`UPDATE ${schema}.outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [
          rows.map((row) => row.seq),
        ]);
      }
      return rows.length;
    });
  }
}
