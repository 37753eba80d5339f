import type { IncomingMessage } from 'node:http';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { settle, startPolyshopSpan, withTracedService } from '@polyshop/stores';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's server span and the context its work runs in (when tracing is on). */
    traceScope?: { span: Span; context: Context };
  }
}

/** Where `tracedRequestId` leaves the span it started, for the `onRequest` hook to pick up. */
const pendingSpans = new WeakMap<IncomingMessage, Span>();

/** The service a path belongs to: its first segment (`/orders/…` → `orders`), `platform` for the rest. */
function serviceOfPath(url: string, services: ReadonlySet<string>): string {
  const first = /^\/([^/?#]+)/.exec(url)?.[1];
  return first && services.has(first) ? first : 'platform';
}

function startServerSpan(raw: IncomingMessage): Span {
  const parent = propagation.extract(ROOT_CONTEXT, raw.headers);
  return startPolyshopSpan(
    `${raw.method ?? 'GET'}`,
    SpanKind.SERVER,
    { 'http.request.method': raw.method ?? 'GET', 'url.path': (raw.url ?? '/').split('?')[0]! },
    parent,
  );
}

/**
 * `genReqId` when tracing is on: the request's server span starts here (from the caller's `traceparent`,
 * if any) and the request id is its trace id, so the logs of a request name its trace.
 */
export function tracedRequestId(raw: IncomingMessage): string {
  const span = startServerSpan(raw);
  pendingSpans.set(raw, span);
  return span.spanContext().traceId;
}

/**
 * A server span per request (`POST /orders/`, kind server; a child of the caller's `traceparent`),
 * named after the route template and carrying `http.route`, the status and `polyshop.service` (the
 * path's first segment when it names one of `services`). The route's hooks and handler, and what they
 * start, run in the span's context: service clients carry it on, store operations become its children.
 */
export function installHttpTracing(app: FastifyInstance, services: readonly string[]): void {
  const known = new Set(services);
  app.addHook('onRequest', (request, reply, done) => {
    const span = pendingSpans.get(request.raw) ?? startServerSpan(request.raw);
    pendingSpans.delete(request.raw);
    const service = serviceOfPath(request.url, known);
    span.setAttribute('polyshop.service', service);
    const active = withTracedService(trace.setSpan(context.active(), span), service);
    request.traceScope = { span, context: active };
    // the body arrives in events of the raw request: their listeners run in the span's context too
    context.bind(active, request.raw);
    context.bind(active, reply.raw);
    context.with(active, done);
  });
  // re-entered before validation and the handler, whatever context the body's parsing ran in
  const reenter = (request: FastifyRequest, _reply: unknown, done: () => void) =>
    request.traceScope ? context.with(request.traceScope.context, done) : done();
  app.addHook('preValidation', reenter);
  app.addHook('preHandler', reenter);
  app.addHook('onResponse', (request, reply, done) => {
    const scope = request.traceScope;
    if (scope) {
      const route = request.routeOptions.url;
      if (route) {
        scope.span.updateName(`${request.method} ${route}`);
        scope.span.setAttribute('http.route', route);
      }
      scope.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) scope.span.setStatus({ code: SpanStatusCode.ERROR });
      scope.span.end();
    }
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    request.traceScope?.span.setStatus({ code: SpanStatusCode.ERROR, message: 'request aborted' });
    request.traceScope?.span.end();
    done();
  });
}

/**
 * Runs a service-to-service HTTP call (`send`, given the headers to send) in a client span when a trace
 * is active, with the span's W3C `traceparent` (and `tracestate`) added to `headers`; outside a trace
 * (or with tracing off) it only sends.
 */
export async function tracedServiceCall<T extends { status: number }>(
  method: string,
  url: string,
  headers: Record<string, string>,
  send: () => Promise<T>,
): Promise<T> {
  const parent = context.active();
  if (!trace.getSpan(parent)?.isRecording()) return send();
  // named by the callee's prefix (`GET /users`), never by a path carrying ids
  const span = startPolyshopSpan(
    `${method} /${new URL(url).pathname.split('/')[1] ?? ''}`,
    SpanKind.CLIENT,
    { 'http.request.method': method, 'url.full': url },
    parent,
  );
  const active = trace.setSpan(parent, span);
  propagation.inject(active, headers);
  return settle(span, async () => {
    const response = await context.with(active, send);
    span.setAttribute('http.response.status_code', response.status);
    if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return response;
  });
}
