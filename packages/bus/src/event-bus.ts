import type { EventEnvelope, EventPublisher } from '@polyshop/kernel';

/** Handles one event. Throwing means "not handled": the bus retries, then dead-letters. */
export type EventHandler = (event: EventEnvelope) => Promise<void>;

export interface Subscription {
  /** Durable consumer name, unique per handler (`notifications.order-confirmed`). */
  consumer: string;
  /** Event types it receives (`order.confirmed`); `*` for all. */
  types: string[];
  handler: EventHandler;
}

/** The platform's event bus port: in-process (all-in-one) or NATS JetStream (one process per service). */
export interface EventBus extends EventPublisher {
  subscribe(subscription: Subscription): Promise<void>;
  close(): Promise<void>;
}
