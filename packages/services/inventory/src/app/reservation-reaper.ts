import type { Logger } from '@polyshop/kernel';
import { expireReservations } from './expire-reservations.ts';
import type { InventoryDeps } from './inventory-deps.ts';

export interface ReservationReaperOptions {
  deps: InventoryDeps;
  logger: Logger;
  /** Pause between runs (`INVENTORY_REAPER_INTERVAL_MS`). */
  intervalMs: number;
  batchSize?: number;
}

/** Background worker that returns the stock of expired reservations every `intervalMs`. */
export class ReservationReaper {
  readonly #options: ReservationReaperOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = true;

  constructor(options: ReservationReaperOptions) {
    this.#options = options;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule();
  }

  /** Runs one pass now (or waits for the one in progress) and resolves to how many it expired. */
  runOnce(): Promise<number> {
    this.#running ??= expireReservations(this.#options.deps, this.#options.batchSize).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    // Only waiting for the pass to end: its failure is logged where it runs (#tick).
    await this.#running?.catch(() => undefined);
  }

  async #tick(): Promise<void> {
    try {
      const expired = await this.runOnce();
      if (expired > 0) this.#options.logger.info({ expired }, 'expired reservations returned their stock');
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'reservation reaper failed; will retry');
    }
    if (!this.#stopped) this.#schedule();
  }

  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), this.#options.intervalMs);
    this.#timer.unref();
  }
}
