import type { Clock } from './clock.ts';
import { newId } from './ids.ts';

/**
 * The envelope of every domain event, on every bus. Types are past tense (`order.confirmed`),
 * versioned, and carry the aggregate they belong to so relays can keep per-aggregate order.
 */
export interface EventEnvelope<T = unknown, Type extends string = string> {
  /** Unique id; consumers de-duplicate on it. */
  id: string;
  type: Type;
  version: number;
  /** ISO 8601 UTC. */
  occurredAt: string;
  /** e.g. `order`, `product`. */
  aggregateType: string;
  aggregateId: string;
  /** The service that emitted it (`orders`). */
  source: string;
  /** Correlates the events of one request or saga. */
  correlationId?: string;
  /**
   * W3C trace context (`traceparent`, `tracestate`) of the operation that emitted it, when tracing is
   * on: a consumer's span joins that trace, whichever bus and process carried the event.
   */
  traceContext?: Record<string, string>;
  data: T;
}

export interface NewEvent<T = unknown> {
  type: string;
  version?: number;
  aggregateType: string;
  aggregateId: string;
  data: T;
  correlationId?: string;
}

export function createEvent<T>(source: string, event: NewEvent<T>, clock: Clock): EventEnvelope<T> {
  const envelope: EventEnvelope<T> = {
    id: newId(),
    type: event.type,
    version: event.version ?? 1,
    occurredAt: clock.now().toISOString(),
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    source,
    data: event.data,
  };
  if (event.correlationId) envelope.correlationId = event.correlationId;
  const traceContext = captureTraceContext?.();
  if (traceContext) envelope.traceContext = traceContext;
  return envelope;
}

let captureTraceContext: (() => Record<string, string> | undefined) | undefined;

/**
 * Sets (or, with `undefined`, removes) what `createEvent` records as the new event's `traceContext`:
 * the tracing set-up gives the active trace context; with tracing off nothing is called.
 */
export function setEventTraceContextCapture(capture: (() => Record<string, string> | undefined) | undefined) {
  captureTraceContext = capture;
}

/** Where relays hand events to; the EventBus implements it. */
export interface EventPublisher {
  /** Resolves once the bus has accepted the event (durably, for a durable bus). */
  publish(event: EventEnvelope): Promise<void>;
}
