import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Context } from '@opentelemetry/api';
import type { EventEnvelope } from '@polyshop/kernel';
import { settle, startPolyshopSpan, withTracedService } from '@polyshop/stores';
import type { EventBus, Subscription } from './event-bus.ts';

/**
 * The trace context an event was emitted in (its envelope's `traceContext`), as a parent for the spans
 * of its publication and handling; the root context when it carries none (emitted with tracing off).
 */
export function eventTraceParent(event: EventEnvelope): Context {
  return event.traceContext ? propagation.extract(ROOT_CONTEXT, event.traceContext) : ROOT_CONTEXT;
}

/** The active trace context as a W3C carrier (`traceparent`, `tracestate`), or undefined outside a trace. */
export function activeTraceCarrier(): Record<string, string> | undefined {
  if (!trace.getSpan(context.active())) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/**
 * `bus` with a span per publication (`<type> publish`, producer, in the emitting service) as a child of
 * the context the event was emitted in (its envelope's, kept through the outbox), and per handling
 * (`<type> process`, consumer, in the consumer's service: the part of its name before the first dot)
 * as a child of the publication — whichever bus carried it: the envelope published carries the
 * publication's context (in the NATS message, and in dead letters for their replays). Handlers run in their span, so
 * what they do (store operations, events they emit) joins the event's trace.
 */
export function traceEventBus(bus: EventBus): EventBus {
  return {
    publish(event) {
      const parent = eventTraceParent(event);
      if (!trace.getSpan(parent)) return bus.publish(event);
      const span = startPolyshopSpan(
        `${event.type} publish`,
        SpanKind.PRODUCER,
        { ...messagingAttributes(event, 'publish'), 'polyshop.service': event.source },
        parent,
      );
      const active = trace.setSpan(parent, span);
      // what the bus carries names the publication as the parent of its handling
      const traceContext: Record<string, string> = {};
      propagation.inject(active, traceContext);
      return context.with(active, () => settle(span, () => bus.publish({ ...event, traceContext })));
    },
    subscribe(subscription: Subscription) {
      const service = subscription.consumer.split('.')[0]!;
      return bus.subscribe({
        ...subscription,
        handler: (event) => {
          const parent = eventTraceParent(event);
          if (!trace.getSpan(parent)) return context.with(ROOT_CONTEXT, () => subscription.handler(event));
          const span = startPolyshopSpan(
            `${event.type} process`,
            SpanKind.CONSUMER,
            {
              ...messagingAttributes(event, 'process'),
              'messaging.consumer.group.name': subscription.consumer,
              'polyshop.service': service,
            },
            parent,
          );
          const active = withTracedService(trace.setSpan(parent, span), service);
          return context.with(active, () => settle(span, () => subscription.handler(event)));
        },
      });
    },
    redeliver: (consumer, event) => bus.redeliver(consumer, event),
    close: () => bus.close(),
  };
}

function messagingAttributes(event: EventEnvelope, operation: string): Record<string, string> {
  return {
    'messaging.system': 'polyshop',
    'messaging.operation.type': operation,
    'messaging.destination.name': event.type,
    'messaging.message.id': event.id,
    'polyshop.event.source': event.source,
  };
}
