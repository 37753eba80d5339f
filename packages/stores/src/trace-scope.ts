import {
  context,
  createContextKey,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanKind,
} from '@opentelemetry/api';

/** The service whose work runs in a context (set by HTTP, client and event spans; read by store spans). */
const SERVICE_KEY = createContextKey('polyshop.service');

/** The OpenTelemetry tracer of polyshop's own spans (a no-op one until a tracer provider is registered). */
export const polyshopTracer = () => trace.getTracer('polyshop');

/**
 * A span of polyshop's tracer, child of `parent`, whose `attributes` are set only once the sampler has
 * made it a recording span. Given to `startSpan`, the SDK checks attributes three times (before
 * sampling, after it, and as it sets them), even for a span it then drops; no sampler polyshop
 * configures (README, `OTEL_TRACES_SAMPLER`) reads them. Profiled over checkouts, those checks were
 * the SDK's largest item.
 */
export function startPolyshopSpan(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  parent: Context,
): Span {
  const span = polyshopTracer().startSpan(name, { kind }, parent);
  if (span.isRecording()) span.setAttributes(attributes);
  return span;
}

/** `ctx` with `service` as the service whose work runs in it. */
export function withTracedService(ctx: Context, service: string): Context {
  return ctx.setValue(SERVICE_KEY, service);
}

/** The service whose work runs now, as set by `withTracedService`. */
export function tracedService(ctx: Context = context.active()): string | undefined {
  const value = ctx.getValue(SERVICE_KEY);
  return typeof value === 'string' ? value : undefined;
}

/**
 * The span work running now belongs to, if it is still open: store spans are made only under one, so
 * background polling (relays, reapers) adds no trace of its own, and a timer that inherited a request's
 * context after that request ended adds nothing to its trace.
 */
export function liveParentSpan(ctx: Context = context.active()): Span | undefined {
  const span = trace.getSpan(ctx);
  return span?.isRecording() ? span : undefined;
}
