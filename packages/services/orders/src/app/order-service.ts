import type { Clock, Logger } from '@polyshop/kernel';
import type { CustomerDirectory } from '../ports/customer-directory.ts';
import type { OrderEventRelay } from '../ports/order-event-relay.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { PaymentProcessor } from '../ports/payment-processor.ts';
import type { ProductCatalog } from '../ports/product-catalog.ts';
import type { StockReservations } from '../ports/stock-reservations.ts';
import type { OrdersConfig } from './orders-config.ts';
import type { OrdersDeps } from './orders-deps.ts';
import { RecoveryWorker } from './recovery-worker.ts';
import { SagaRunner, type SagaRunnerDeps } from './saga-runner.ts';

export interface OrderServiceOptions {
  repository: OrderRepository;
  /** Publishes order events; without it they stay in the outbox. */
  relay?: OrderEventRelay;
  catalog: ProductCatalog;
  stock: StockReservations;
  payments: PaymentProcessor;
  /** Names customers in order events; without it orders carry the token's email only. */
  customers?: CustomerDirectory;
  clock: Clock;
  logger: Logger;
  config: OrdersConfig;
  /** The key of the checkout fingerprints (from `openOrdersStorage`). */
  fingerprintKey: () => Promise<Uint8Array>;
  /** Each saga step's attempts, timed (`SagaRunnerDeps.stepObserved`: metrics). */
  stepObserved?: SagaRunnerDeps['stepObserved'];
}

/**
 * The order service's moving parts over its storage: saga runner, recovery worker and outbox relay
 * (the repository and relay come from `openOrdersStorage`). The platform module wraps it; crash tests
 * open a second one on the same database to play the restarted process.
 */
export class OrderService {
  readonly deps: OrdersDeps;
  readonly runner: SagaRunner;
  readonly recovery: RecoveryWorker;
  readonly relay: OrderEventRelay | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #logger: Logger;

  constructor(options: OrderServiceOptions) {
    const { repository, clock, logger, config } = options;
    this.#logger = logger;
    this.relay = options.relay;
    this.runner = new SagaRunner({
      repository,
      stock: options.stock,
      payments: options.payments,
      clock,
      logger,
      settings: config.saga,
      ...(config.fault ? { fault: config.fault } : {}),
      eventsRecorded: () => this.relay?.wake(),
      ...(options.stepObserved ? { stepObserved: options.stepObserved } : {}),
    });
    this.recovery = new RecoveryWorker({
      repository,
      runner: this.runner,
      clock,
      logger,
      intervalMs: config.recoveryIntervalMs,
    });
    this.deps = {
      repository,
      runner: this.runner,
      catalog: options.catalog,
      ...(options.customers ? { customers: options.customers } : {}),
      regions: config.regions,
      clock,
      logger,
      requestTimeoutMs: config.requestTimeoutMs,
      fingerprintKey: options.fingerprintKey,
      track: (saga) => this.#track(saga),
    };
  }

  /** Starts the outbox relay and the recovery worker (whose first pass runs right away). */
  start(): void {
    this.relay?.start();
    this.recovery.start();
  }

  /** Stops the workers after the sagas still running in this process finished (at most `graceMs`). */
  async stop(graceMs = 5_000): Promise<void> {
    await this.recovery.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#inFlight]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    await this.relay?.stop();
  }

  /** Sagas this process is driving right now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  #track(saga: Promise<unknown>): void {
    const tracked = saga.then(
      () => undefined,
      (error: unknown) =>
        this.#logger.warn({ err: error }, 'saga stopped with an error; the recovery worker will resume it'),
    );
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
  }
}
