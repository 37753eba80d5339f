import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { activeTraceCarrier } from '@polyshop/bus';
import { traceSampler } from './trace-sampler.ts';
import { setEventTraceContextCapture } from '@polyshop/kernel';
import {
  liveParentSpan,
  setStoreTracing,
  settle,
  startPolyshopSpan,
  traceDatabase,
  withTracedService,
  type SqlDatabase,
} from '@polyshop/stores';

/** A running OpenTelemetry trace pipeline of this process. */
export interface Tracing {
  /** `service.name` of the spans (`polyshop`, or `polyshop-<service>` for `polyshop serve`). */
  serviceName: string;
  /** Where spans are exported (OTLP/HTTP, JSON). */
  url: string;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Flushes, stops exporting and unregisters the global tracer provider, context manager and propagator. */
  shutdown(): Promise<void>;
}

/**
 * The OTLP/HTTP traces URL the environment asks for: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else
 * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`; none (tracing off) when neither is set, or with
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`.
 */
export function tracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return undefined;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/**
 * Starts tracing when the environment names an OTLP endpoint (`tracesEndpoint`); otherwise returns
 * `undefined` and nothing is loaded into the request path: the OpenTelemetry API stays a no-op.
 * Registers the Node tracer provider (AsyncLocalStorage context, W3C trace-context propagator),
 * batching spans to the OTLP/HTTP exporter, has every event created from now on record the active
 * trace context in its envelope, and MongoDB and DynamoDB connections opened from now on trace their
 * commands.
 */
export function startTracing(env: NodeJS.ProcessEnv, serviceName: string): Tracing | undefined {
  const url = tracesEndpoint(env);
  if (!url) return undefined;
  const provider = new NodeTracerProvider({
    sampler: traceSampler(env),
    resource: resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME?.trim() || serviceName,
      'service.namespace': 'polyshop',
    }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url }), {
        scheduledDelayMillis: positiveNumber(env.OTEL_BSP_SCHEDULE_DELAY) ?? 5000,
      }),
    ],
  });
  provider.register();
  setEventTraceContextCapture(activeTraceCarrier);
  setStoreTracing(true);
  return {
    serviceName,
    url,
    flush: () => provider.forceFlush(),
    async shutdown() {
      setEventTraceContextCapture(undefined);
      setStoreTracing(false);
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}

function positiveNumber(text: string | undefined): number | undefined {
  const value = Number(text);
  return text && Number.isFinite(value) && value > 0 ? value : undefined;
}

const tracedClients = new WeakMap<object, object>();

/**
 * An in-process service client whose calls are spans (`inventory.reserve`, internal) of that service:
 * in all-in-one mode one service calls another without HTTP, and its work still shows as the callee's.
 * Calls outside a live trace go straight through.
 */
export function tracedServiceClient<C>(service: string, client: C): C {
  if (typeof client !== 'object' || client === null) return client;
  const known = tracedClients.get(client);
  if (known) return known as C;
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor')
        return value;
      const method = value as (...args: unknown[]) => unknown;
      return function traced(this: unknown, ...args: unknown[]) {
        const parent = context.active();
        const self = this === receiver ? target : this;
        if (!liveParentSpan(parent)) return method.apply(self, args);
        const span = startPolyshopSpan(
          `${service}.${property}`,
          SpanKind.INTERNAL,
          { 'polyshop.service': service, 'code.function.name': property },
          parent,
        );
        const active = withTracedService(trace.setSpan(parent, span), service);
        return context.with(active, () => {
          let result: unknown;
          try {
            result = method.apply(self, args);
          } catch (error) {
            span.recordException(error instanceof Error ? error : String(error));
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
            throw error;
          }
          if (result instanceof Promise) return settle(span, () => result as Promise<unknown>);
          span.end();
          return result;
        });
      };
    },
  });
  tracedClients.set(client, proxy);
  return proxy;
}

/** `wrap` (the caller's decoration of the shared PostgreSQL, if any), then a span per store operation. */
export function tracedDatabaseWrapper(wrap?: (db: SqlDatabase) => SqlDatabase) {
  return (db: SqlDatabase): SqlDatabase => traceDatabase(wrap?.(db) ?? db);
}
