import type { EventEnvelope } from '@polyshop/kernel';
import type { EventBus, Subscription } from '@polyshop/bus';

/** Where a `MeteredEventBus` reports (bound to one service by its owner). */
export interface EventObserver {
  /** An event the service handed to the bus (its relay publishing its outbox). */
  published(type: string): void;
  /** One delivery of an event to one of the service's consumers: how long, and whether it threw. */
  handled(consumer: string, type: string, failed: boolean, seconds: number): void;
}

/**
 * The bus as one service sees it: what it publishes is counted by event type, and each delivery to its
 * consumers timed by consumer, type and outcome (a failure is retried by the bus, then dead-lettered).
 * The saga's outcomes show here as `order.confirmed` / `order.failed` events, the notification
 * service's work as its consumers' deliveries.
 */
export class MeteredEventBus implements EventBus {
  readonly #inner: EventBus;
  readonly #observe: EventObserver;

  constructor(inner: EventBus, observe: EventObserver) {
    this.#inner = inner;
    this.#observe = observe;
  }

  async publish(event: EventEnvelope): Promise<void> {
    await this.#inner.publish(event);
    this.#observe.published(event.type);
  }

  subscribe(subscription: Subscription): Promise<void> {
    const { consumer, handler } = subscription;
    const observe = this.#observe;
    return this.#inner.subscribe({
      ...subscription,
      async handler(event) {
        const start = performance.now();
        let failed = true;
        try {
          await handler(event);
          failed = false;
        } finally {
          observe.handled(consumer, event.type, failed, (performance.now() - start) / 1000);
        }
      },
    });
  }

  redeliver(consumer: string, event: EventEnvelope): Promise<void> {
    return this.#inner.redeliver(consumer, event);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
