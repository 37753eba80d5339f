import type { Logger } from '@polyshop/kernel';

/** What one batch of an outbox relay did. */
export interface RelayBatch {
  /** Events handed to the bus. */
  published: number;
  /** A full batch went through: there may be more to publish right now. */
  more: boolean;
}

/**
 * The scheduling every outbox relay shares (PostgreSQL, MongoDB, DynamoDB): poll every
 * `intervalMs`, publish at once on `wake()`, never two batches of one relay at a time, `flush()` for
 * tests and shutdown, and `stop()` that waits for the batch in flight and hands the lease back.
 * Subclasses say how to publish one batch in order (under their store's lease) and how to release it.
 */
export abstract class PollingRelay {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;

  protected constructor(options: { logger: Logger; intervalMs: number }) {
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs;
  }

  /** Publishes the next batch in order, or nothing while another relay holds the lease. */
  protected abstract publishBatch(): Promise<RelayBatch>;
  /** Gives up this relay's lease, so another can take over at once. Must not throw. */
  protected abstract releaseLease(): Promise<void>;
  /** Fields that identify this relay in its log lines (`{ schema }`, `{ table }`). */
  protected abstract describe(): Record<string, unknown>;

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
      } catch (error) {
        this.#logger.warn({ err: error, ...this.describe() }, 'outbox relay: publish failed, will retry');
      } finally {
        this.#running = undefined;
        if (!this.#stopped) this.#schedule(this.#intervalMs);
      }
    })();
  }
}
