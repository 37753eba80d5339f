import type { Logger } from '@polyshop/kernel';

/** What one batch of an outbox relay did. */
export interface RelayBatch {
  /** Events handed to the bus. */
  published: number;
  /** A full batch went through: there may be more to publish right now. */
  more: boolean;
}

/** How long a published event stays in an outbox that keeps them (PostgreSQL, MongoDB): 7 days, as on NATS. */
export const OUTBOX_RETENTION_MS = 7 * 24 * 3600_000;

/** Published events one prune step looks at (the oldest), and steps a prune takes at the most. */
const PRUNE_BATCH = 1000;
const PRUNE_STEPS = 10;

/**
 * The scheduling every outbox relay shares (PostgreSQL, MongoDB, DynamoDB): poll every
 * `intervalMs`, publish at once on `wake()`, never two batches of one relay at a time, `flush()` for
 * tests and shutdown, and `stop()` that waits for the batch in flight and hands the lease back.
 * Subclasses say how to publish one batch in order (under their store's lease) and how to release it;
 * an outbox that keeps published events also says how to prune them, which runs at most every
 * `pruneEveryMs`, after a pass that left nothing to publish.
 */
export abstract class PollingRelay {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #pruneEveryMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  /** When the next prune is due (`performance.now()` ms): the first pass after start prunes. */
  #pruneAt = 0;

  protected constructor(options: { logger: Logger; intervalMs: number; pruneEveryMs?: number }) {
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs;
    this.#pruneEveryMs = options.pruneEveryMs ?? 60_000;
  }

  /** Publishes the next batch in order, or nothing while another relay holds the lease. */
  protected abstract publishBatch(): Promise<RelayBatch>;
  /** Gives up this relay's lease, so another can take over at once. Must not throw. */
  protected abstract releaseLease(): Promise<void>;
  /** Fields that identify this relay in its log lines (`{ schema }`, `{ table }`). */
  protected abstract describe(): Record<string, unknown>;
  /**
   * Deletes published events past their retention, oldest first, a bounded amount a call; resolves
   * to how many. None by default (an outbox that deletes each event once published).
   */
  async prune(): Promise<number> {
    return 0;
  }

  /**
   * Runs `deleteOldest` (deletes what has expired among the oldest `limit` published events and
   * resolves to how many) while a whole batch went, `PRUNE_STEPS` times at the most; resolves to the total.
   */
  protected async pruneInSteps(deleteOldest: (limit: number) => Promise<number>): Promise<number> {
    let pruned = 0;
    for (let step = 0; step < PRUNE_STEPS; step++) {
      const deleted = await deleteOldest(PRUNE_BATCH);
      pruned += deleted;
      if (deleted < PRUNE_BATCH) break;
    }
    return pruned;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Publish now (call after a commit that recorded events). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  /**
   * Publishes everything pending, then resolves to the number of events published (0 while another relay
   * holds the lease).
   */
  async flush(): Promise<number> {
    await this.#running;
    let total = 0;
    for (;;) {
      const batch = await this.publishBatch();
      total += batch.published;
      if (!batch.more) return total;
    }
  }

  /** Stops publishing (the batch in flight finishes) and hands the lease back. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
    await this.releaseLease();
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
          while ((await this.publishBatch()).more && !this.#stopped);
        } while (this.#again && !this.#stopped);
        if (performance.now() >= this.#pruneAt && !this.#stopped) {
          this.#pruneAt = performance.now() + this.#pruneEveryMs;
          await this.prune().catch((error: unknown) =>
            this.#logger.warn({ err: error, ...this.describe() }, 'outbox relay: prune failed, will retry'),
          );
        }
      } catch (error) {
        this.#logger.warn({ err: error, ...this.describe() }, 'outbox relay: publish failed, will retry');
      } finally {
        this.#running = undefined;
        if (!this.#stopped) this.#schedule(this.#intervalMs);
      }
    })();
  }
}
