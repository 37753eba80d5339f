import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MongoClient } from 'mongodb';
import { liveParentSpan, startPolyshopSpan, tracedService } from './trace-scope.ts';

let storeTracing = false;

/** Turns spans of MongoDB and DynamoDB operations on for the connections opened from now on (tracing set-up). */
export function setStoreTracing(on: boolean): void {
  storeTracing = on;
}

/** Whether connections opened now trace their operations (`setStoreTracing`). */
export function storeTracingOn(): boolean {
  return storeTracing;
}

function serviceAttribute(): Record<string, string> {
  const service = tracedService();
  return service ? { 'polyshop.service': service } : {};
}

/**
 * A span per MongoDB command (`mongodb find`, client) from the driver's command monitoring (the client
 * must be created with `monitorCommands: true`), a child of the work that sent it; commands sent
 * outside a live span are not traced. Attributes: `db.system.name`, `db.operation.name`,
 * `db.collection.name`, `db.namespace`, `polyshop.store` and `polyshop.service`; never the command's values.
 */
export function traceMongoCommands(client: MongoClient): void {
  const open = new Map<string, Span>();
  const key = (event: { connectionId?: unknown; requestId: number }) =>
    `${String(event.connectionId)}:${event.requestId}`;
  client.on('commandStarted', (event) => {
    if (!liveParentSpan()) return;
    const collection: unknown = event.command[event.commandName];
    open.set(
      key(event),
      startPolyshopSpan(
        `mongodb ${event.commandName}`,
        SpanKind.CLIENT,
        {
          'db.system.name': 'mongodb',
          'db.operation.name': event.commandName,
          'db.namespace': event.databaseName,
          ...(typeof collection === 'string' ? { 'db.collection.name': collection } : {}),
          'polyshop.store': 'mongodb',
          ...serviceAttribute(),
        },
        context.active(),
      ),
    );
  });
  client.on('commandSucceeded', (event) => {
    open.get(key(event))?.end();
    open.delete(key(event));
  });
  client.on('commandFailed', (event) => {
    const span = open.get(key(event));
    if (!span) return;
    open.delete(key(event));
    span.recordException(event.failure);
    span.setStatus({ code: SpanStatusCode.ERROR, message: event.failure.message });
    span.end();
  });
}

/**
 * A span per DynamoDB command (`dynamodb PutItem`, client), a child of the work that sent it (commands
 * outside a live span are not traced): a middleware at the start of the client's stack, so a command's
 * retries are inside its span. Attributes: `db.system.name`, `db.operation.name`, `aws.dynamodb.table_names`,
 * `polyshop.store` and `polyshop.service`.
 */
export function traceDynamoCommands(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, handlerContext) => async (args) => {
      const parent = context.active();
      if (!liveParentSpan(parent)) return next(args);
      const operation = String(handlerContext.commandName ?? 'Command').replace(/Command$/, '');
      const input = args.input as { TableName?: unknown };
      const span = startPolyshopSpan(
        `dynamodb ${operation}`,
        SpanKind.CLIENT,
        {
          'db.system.name': 'aws.dynamodb',
          'db.operation.name': operation,
          ...(typeof input.TableName === 'string' ? { 'aws.dynamodb.table_names': [input.TableName] } : {}),
          'polyshop.store': 'dynamodb',
          ...serviceAttribute(),
        },
        parent,
      );
      try {
        return await context.with(trace.setSpan(parent, span), () => next(args));
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
        throw error;
      } finally {
        span.end();
      }
    },
    { step: 'initialize', name: 'polyshopTracing' },
  );
}

/** What the OpenSearch client's `request` / `response` events carry (the part used here). */
interface OpenSearchEventMeta {
  statusCode?: number | null;
  meta?: { request?: { id?: unknown; params?: { method?: string; path?: string } } };
}

/** The OpenSearch client's event emitter (`client.on('request' | 'response', …)`). */
interface OpenSearchEvents {
  on(
    event: 'request' | 'response',
    listener: (error: Error | null, result: OpenSearchEventMeta) => void,
  ): unknown;
}

/**
 * A span per OpenSearch request (`opensearch POST /products`: the method and the path's first segment,
 * an index or an API, never a document id), from the client's `request` and `response` events, a child
 * of the work that sent it (requests outside a live span are not traced); the client's retries are inside it.
 */
export function traceOpenSearchRequests(client: OpenSearchEvents): void {
  const open = new Map<unknown, Span>();
  client.on('request', (_error, result) => {
    const id = result.meta?.request?.id;
    if (id === undefined || open.has(id) || !liveParentSpan()) return;
    const method = result.meta?.request?.params?.method ?? 'GET';
    const target = (result.meta?.request?.params?.path ?? '/').split('/')[1]?.split('?')[0] ?? '';
    open.set(
      id,
      startPolyshopSpan(
        `opensearch ${method} /${target}`,
        SpanKind.CLIENT,
        {
          'db.system.name': 'opensearch',
          'db.operation.name': method,
          ...(target && !target.startsWith('_') ? { 'db.collection.name': target } : {}),
          'polyshop.store': 'opensearch',
          ...serviceAttribute(),
        },
        context.active(),
      ),
    );
  });
  client.on('response', (error, result) => {
    const id = result.meta?.request?.id;
    const span = open.get(id);
    if (!span) return;
    open.delete(id);
    if (typeof result.statusCode === 'number')
      span.setAttribute('http.response.status_code', result.statusCode);
    if (error) {
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    span.end();
  });
}
