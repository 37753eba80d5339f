import type { EventEnvelope, Logger } from '@polyshop/kernel';
import type { EventBus, Subscription } from './event-bus.ts';

export interface InProcessEventBusOptions {
  logger: Logger;
  /** Attempts per event and consumer before it is reported as dead. */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt. */
  retryDelayMs?: number;
  /** Called with an event a consumer kept failing on. */
  onDeadLetter?: (consumer: string, event: EventEnvelope, error: unknown, attempts: number) => Promise<void> | void;
}

type ResolvedOptions = Required<Omit<InProcessEventBusOptions, 'onDeadLetter'>> &
  Pick<InProcessEventBusOptions, 'onDeadLetter'>;

/**
 * The all-in-one bus: events go to every matching subscriber in this process. Each consumer has its
 * own queue handled one event at a time, so it sees events in publish order; a failing handler is
 * retried with backoff without holding up other consumers.
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
    for (const consumer of this.#consumers) {
      if (consumer.accepts(event.type)) consumer.enqueue(event);
    }
  }

  async subscribe(subscription: Subscription): Promise<void> {
    if (this.#consumers.some((c) => c.name === subscription.consumer)) {
      throw new Error(`consumer ${subscription.consumer} is already subscribed`);
    }
    this.#consumers.push(new Consumer(subscription, this.#options));
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
  readonly #queue: EventEnvelope[] = [];
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
    return this.#subscription.types.includes('*') || this.#subscription.types.includes(type);
  }

  enqueue(event: EventEnvelope): void {
    this.#queue.push(event);
    this.#running ??= this.#run();
  }

  async idle(): Promise<void> {
    await this.#running;
  }

  async #run(): Promise<void> {
    try {
      for (let event = this.#queue.shift(); event; event = this.#queue.shift()) await this.#deliver(event);
    } finally {
      this.#running = undefined;
    }
  }

  async #deliver(event: EventEnvelope): Promise<void> {
    const { maxAttempts, retryDelayMs, logger, onDeadLetter } = this.#options;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#subscription.handler(event);
        return;
      } catch (error) {
        if (attempt >= maxAttempts) {
          logger.error({ err: error, consumer: this.name, eventId: event.id, type: event.type }, 'event handler failed; dead-lettered');
          await onDeadLetter?.(this.name, event, error, attempt);
          return;
        }
        logger.warn({ err: error, consumer: this.name, eventId: event.id, attempt }, 'event handler failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
