import type { Clock, Logger } from '@polyshop/kernel';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { SagaRunner } from './saga-runner.ts';

export interface RecoveryWorkerOptions {
  repository: OrderRepository;
  runner: SagaRunner;
  clock: Clock;
  logger: Logger;
  /** Pause between passes. */
  intervalMs: number;
  /** Sagas claimed (and driven concurrently) at a time. */
  batchSize?: number;
}

/**
 * Finishes every saga left half-way: by a crash (its driver's lease ran out), by a request that
 * answered 202 and then lost its process, or by a transient failure whose retry is now due. Runs a
 * pass at start-up and then every `intervalMs`. Sagas are claimed with a lease, so several workers
 * (processes) share the work without driving one saga twice.
 */
export class RecoveryWorker {
  readonly #options: Required<RecoveryWorkerOptions>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = true;

  constructor(options: RecoveryWorkerOptions) {
    this.#options = { batchSize: 10, ...options };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    // Only waiting for the pass to end: its failure is logged by whoever started it (#schedule, a caller).
    await this.#running?.catch(() => 0);
  }

  /** One pass: drives every saga due now until none is left. Resolves to how many it drove. */
  runOnce(): Promise<number> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #pass(): Promise<number> {
    const { repository, runner, clock, logger, batchSize } = this.#options;
    let total = 0;
    for (;;) {
      const lease = runner.newLease();
      const claimed = await repository.claimDue(clock.now(), lease, batchSize);
      if (claimed.length === 0) return total;
      total += claimed.length;
      await Promise.all(
        claimed.map(async (order) => {
          try {
            const result = await runner.drive(order, lease.owner);
            logger.info(
              { orderId: order.id, from: order.saga.state, to: result.saga.state },
              'recovered saga',
            );
          } catch (error) {
            logger.error(
              { err: error, orderId: order.id, state: order.saga.state },
              'recovering saga failed; will retry',
            );
          }
        }),
      );
      if (claimed.length < batchSize || this.#stopped) return total;
    }
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => {
      this.runOnce()
        .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'saga recovery pass failed'))
        .finally(() => {
          if (!this.#stopped) this.#schedule(this.#options.intervalMs);
        });
    }, delay);
    this.#timer.unref();
  }
}
