import { AppError, type EventEnvelope, type Logger } from '@polyshop/kernel';
import { acceptsType, retryDelay, type EventBus, type RetryPolicy, type Subscription } from './event-bus.ts';

export interface InProcessEventBusOptions extends RetryPolicy {
  logger: Logger;
}

type ResolvedOptions = Required<Omit<InProcessEventBusOptions, 'onDeadLetter'>> &
  Pick<RetryPolicy, 'onDeadLetter'>;

/**
 * One queued delivery with its publisher's promise callbacks. A replay is tried once and rejects with
 * the handler's error; a normal delivery resolves once handled or dead-lettered.
 */
interface Delivery {
  event: EventEnvelope;
  replay?: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The all-in-one bus: events go to every matching subscriber in this process. Each consumer has its
 * own queue handled one event at a time, so it sees events in publish order; a failing handler is
 * retried with backoff without holding up other consumers.
 *
 * `publish` resolves only once every matching consumer has handled the event (or dead-lettered it),
 * so the outbox relay marks a row published only after its handlers ran: a crash before that
 * republishes the row on restart, and handlers de-duplicate on the event id (at-least-once without a
 * broker). Handlers must therefore never `publish` into this bus themselves (a consumer waiting on its
 * own queue would never finish): they write their events to their service's outbox instead.
 */
export class InProcessEventBus implements EventBus {
  readonly #options: ResolvedOptions;
  readonly #consumers: Consumer[] = [];
  #closed = false;

  constructor(options: InProcessEventBusOptions) {
    this.#options = { maxAttempts: 5, retryDelayMs: 100, ...options };
  }

  async publish(event: EventEnvelope): Promise<void> {
    if (this.#closed) throw new Error('event bus is closed');
    const deliveries = this.#consumers
      .filter((consumer) => consumer.accepts(event.type))
      .map(
        (consumer) => new Promise<void>((resolve, reject) => consumer.enqueue({ event, resolve, reject })),
      );
    await Promise.all(deliveries);
  }

  async subscribe(subscription: Subscription): Promise<void> {
    if (this.#closed) throw new Error('event bus is closed');
    if (this.#consumers.some((c) => c.name === subscription.consumer)) {
      throw new Error(`consumer ${subscription.consumer} is already subscribed`);
    }
    this.#consumers.push(new Consumer(subscription, this.#options));
  }

  async redeliver(consumer: string, event: EventEnvelope): Promise<void> {
    const target = this.#consumers.find((c) => c.name === consumer);
    if (!target || this.#closed) {
      throw AppError.unavailable(
        'EVENTS.CONSUMER_NOT_RUNNING',
        `Consumer "${consumer}" is not subscribed in this process.`,
        {
          field: 'consumer',
        },
      );
    }
    await new Promise<void>((resolve, reject) => target.enqueue({ event, replay: true, resolve, reject }));
  }

  /** Resolves when every queued event has been handled (or dead-lettered). */
  async drain(): Promise<void> {
    while (this.#consumers.some((c) => c.busy)) {
      await Promise.all(this.#consumers.map((c) => c.idle()));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.drain();
  }
}

class Consumer {
  readonly name: string;
  readonly #subscription: Subscription;
  readonly #options: ResolvedOptions;
  readonly #queue: Delivery[] = [];
  #running: Promise<void> | undefined;

  constructor(subscription: Subscription, options: ResolvedOptions) {
    this.name = subscription.consumer;
    this.#subscription = subscription;
    this.#options = options;
  }

  get busy(): boolean {
    return this.#running !== undefined || this.#queue.length > 0;
  }

  accepts(type: string): boolean {
    return acceptsType(this.#subscription.types, type);
  }

  enqueue(delivery: Delivery): void {
    this.#queue.push(delivery);
    this.#running ??= this.#run();
  }

  async idle(): Promise<void> {
    await this.#running;
  }

  async #run(): Promise<void> {
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        if (next.replay) await this.#replay(next);
        else await this.#deliver(next).then(next.resolve, next.reject);
      }
    } finally {
      this.#running = undefined;
    }
  }

  async #replay(delivery: Delivery): Promise<void> {
    try {
      await this.#subscription.handler(delivery.event);
      delivery.resolve();
    } catch (error) {
      delivery.reject(error);
    }
  }

  async #deliver({ event }: Delivery): Promise<void> {
    const { maxAttempts, retryDelayMs, logger, onDeadLetter } = this.#options;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#subscription.handler(event);
        return;
      } catch (error) {
        if (attempt >= maxAttempts) {
          logger.error(
            { err: error, consumer: this.name, eventId: event.id, type: event.type },
            'event handler failed; dead-lettered',
          );
          // If recording the dead letter fails, the publish rejects: the relay keeps the outbox row
          // and publishes it again later, so the event is not lost.
          await onDeadLetter?.(this.name, event, error, attempt);
          return;
        }
        logger.warn(
          { err: error, consumer: this.name, eventId: event.id, attempt },
          'event handler failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, retryDelay(retryDelayMs, attempt)));
      }
    }
  }
}
