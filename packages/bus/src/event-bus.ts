import type { EventEnvelope, EventPublisher } from '@polyshop/kernel';

/** Handles one event. Throwing means "not handled": the bus retries, then dead-letters. */
export type EventHandler = (event: EventEnvelope) => Promise<void>;

export interface Subscription {
  /** Durable consumer name, unique per handler (`notifications.order-confirmed`). */
  consumer: string;
  /** Event types it receives (`order.confirmed`); `*` for all. */
  types: string[];
  handler: EventHandler;
  /**
   * For this process only (a per-instance cache to drop): it hears the events published from now
   * on, not the stream's past, and the broker forgets it soon after the process is gone. Default:
   * durable, from the oldest event kept. The in-process bus is always both.
   */
  transient?: boolean;
}

/**
 * Called with an event a consumer kept failing on, after its last attempt. The platform records it
 * in its dead-letter store, from where it can be listed and replayed. If it throws, the bus keeps the
 * event (NATS redelivers it and tries to dead-letter it again; the in-process bus logs it).
 */
export type DeadLetterHandler = (
  consumer: string,
  event: EventEnvelope,
  error: unknown,
  attempts: number,
) => Promise<void> | void;

/** How a bus retries a failing handler; shared by every adapter. */
export interface RetryPolicy {
  /** Attempts per event and consumer before it is dead-lettered. Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry; doubles each attempt. Default 100 ms. */
  retryDelayMs?: number;
  onDeadLetter?: DeadLetterHandler;
}

/**
 * The platform's event bus port: in-process (all-in-one) or NATS JetStream (one process per service).
 *
 * Guarantees every adapter keeps (checked by `eventBusContract`):
 * - a subscription receives the events of its types only, and every subscription of a type gets each event;
 * - at-least-once: a handler may see an event again (retry, redelivery after a crash), so handlers are
 *   idempotent (`handleOnce` with the consumer's inbox);
 * - order: a consumer handles one event at a time, in publish order; a failing event is retried before
 *   the next one (so the events of one aggregate, published in order by its relay, arrive in order);
 * - an event a handler still fails on after `maxAttempts` goes to `onDeadLetter`, and the consumer moves on.
 */
export interface EventBus extends EventPublisher {
  /** Starts delivering the subscription's types to its handler. One subscription per consumer name. */
  subscribe(subscription: Subscription): Promise<void>;
  /**
   * Hands one event to one consumer's handler again (a dead-letter replay), whichever process it runs
   * in. Resolves when the handler succeeded; rejects with the handler's error, or with an
   * `unavailable` AppError when no process has that consumer subscribed.
   */
  redeliver(consumer: string, event: EventEnvelope): Promise<void>;
  /** Stops delivering (an event being handled finishes first) and releases the connection. */
  close(): Promise<void>;
}

/** True when a subscription of `types` receives an event of `type`. */
export function acceptsType(types: readonly string[], type: string): boolean {
  return types.includes('*') || types.includes(type);
}

/** The delay before retry number `attempt` (1-based) under exponential backoff. */
export function retryDelay(retryDelayMs: number, attempt: number): number {
  return retryDelayMs * 2 ** (attempt - 1);
}
