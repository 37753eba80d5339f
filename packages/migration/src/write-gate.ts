import { AppError } from '@polyshop/kernel';
import type { MigrationRouter, ServiceRouting } from './migration-router.ts';
import type { MigrationStateStore } from './migration-state.ts';

export interface WriteGateOptions {
  router: MigrationRouter;
  state: MigrationStateStore;
  service: string;
  /** Members whose heartbeat is older than this are not waited for (as the engine counts them). */
  aliveWithinMs?: number;
  /** How often a held cut-over asks whether every member has acknowledged (default 50 ms). */
  pollMs?: number;
  /** Longest a write waits for a cut-over before it is refused with a 503 (default 10 s). */
  holdTimeoutMs?: number;
  /**
   * Run at the end of a held cut-over, once every process acknowledged the new epoch and before the
   * held writes go on: copies to the new source of truth the writes it missed (writes of the old
   * routing whose copies failed), so no write on it starts from a record older than one acknowledged
   * before the flip. Its failure only delays those copies (the repair log keeps them); it is given at
   * most `holdTimeoutMs / 2`.
   */
  beforeRelease?: (routing: ServiceRouting) => Promise<void>;
}

/** A write in progress: the routing it follows from start to end, and `end` to call when it is done. */
export interface GatedWrite {
  routing: ServiceRouting;
  end(): void;
}

/**
 * Lets a service's writes in this process through by phase, so that no two processes ever write with
 * different sources of truth:
 * - each write keeps the routing it began with until it ends (primary write and mirror copy alike);
 * - at a new epoch, new writes take the new routing at once, and the router acknowledges the epoch
 *   only after every write begun under an older one has ended (the gate is a router listener);
 * - when the source of truth flips (`read-switch → write-switch`, or a rollback from
 *   `write-switch`), new writes are **held** until every live process of the service has
 *   acknowledged the epoch — until then another process may still write the old primary — and a
 *   write held longer than `holdTimeoutMs` is refused with a 503 `MIGRATION.CUTOVER_IN_PROGRESS`.
 *   The pause lasts about one refresh of the slowest process (gh-ost's cut-over, in small).
 */
export class WriteGate {
  readonly #options: Required<Omit<WriteGateOptions, 'beforeRelease'>> &
    Pick<WriteGateOptions, 'beforeRelease'>;
  #routing: ServiceRouting;
  readonly #inFlight = new Set<Promise<void>>();
  #held: Promise<void> | undefined;
  #closed = false;

  constructor(options: WriteGateOptions) {
    this.#options = { aliveWithinMs: 15_000, pollMs: 50, holdTimeoutMs: 10_000, ...options };
    this.#routing = options.router.routing();
    options.router.onChange((next, previous) => this.#change(next, previous));
  }

  /**
   * Starts a write: refuses (503) when the router is fenced off the control store, waits while a
   * cut-over is held, then pins the current routing until `end()`.
   */
  async begin(): Promise<GatedWrite> {
    this.#options.router.assertWritable();
    if (this.#held) await this.#waitForCutover(this.#held);
    const routing = this.#routing;
    let end!: () => void;
    const done = new Promise<void>((resolve) => (end = resolve));
    this.#inFlight.add(done);
    void done.then(() => this.#inFlight.delete(done));
    return { routing, end };
  }

  /** Stops a held cut-over's polling (shutdown); writes still held are refused. */
  close(): void {
    this.#closed = true;
  }

  /** The routing reads follow now. */
  routing(): ServiceRouting {
    return this.#routing;
  }

  async #change(next: ServiceRouting, previous: ServiceRouting): Promise<void> {
    const older = [...this.#inFlight];
    if (next.primary !== previous.primary || next.fromStore !== previous.fromStore) {
      if (!this.#held) {
        this.#held = this.#holdUntilAcknowledged(next.epoch);
        // handled here too: a hold that ends in shutdown with no write waiting is no crash
        this.#held.catch(() => undefined);
      }
    }
    this.#routing = next;
    await Promise.all(older);
  }

  /** Resolves once every live member has acknowledged `epoch` (this process does after `#change`). */
  async #holdUntilAcknowledged(epoch: number): Promise<void> {
    const { state, service, aliveWithinMs, pollMs } = this.#options;
    try {
      for (;;) {
        // unref'd: a cut-over waiting for another process never keeps this one alive
        await new Promise((resolve) => setTimeout(resolve, pollMs).unref());
        if (this.#closed) throw AppError.unavailable('MIGRATION.CLOSED', `${service} is shutting down.`);
        const acknowledged = await state.allAcknowledged(service, epoch, aliveWithinMs).catch(() => false);
        if (acknowledged && this.#routing.epoch === epoch) await this.#beforeRelease(this.#routing);
        if (acknowledged || this.#routing.epoch !== epoch) return;
      }
    } finally {
      this.#held = undefined;
    }
  }

  /** `beforeRelease`, bounded by half the hold timeout; a failure leaves the repair log as it is. */
  async #beforeRelease(routing: ServiceRouting): Promise<void> {
    const { beforeRelease, holdTimeoutMs } = this.#options;
    if (!beforeRelease) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, holdTimeoutMs / 2)));
    try {
      await Promise.race([beforeRelease(routing).catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #waitForCutover(held: Promise<void>): Promise<void> {
    const { holdTimeoutMs, service } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            AppError.unavailable(
              'MIGRATION.CUTOVER_IN_PROGRESS',
              `${service} is switching its source of truth and another process has not caught up; try again.`,
              { details: { service } },
            ),
          ),
        holdTimeoutMs,
      );
    });
    try {
      await Promise.race([held, timeout]);
    } catch (error) {
      throw error instanceof AppError
        ? error
        : AppError.unavailable('MIGRATION.CUTOVER_IN_PROGRESS', String(error));
    } finally {
      clearTimeout(timer);
    }
  }
}
