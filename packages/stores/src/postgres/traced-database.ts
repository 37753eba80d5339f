import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { liveParentSpan, polyshopTracer, tracedService } from '../trace-scope.ts';
import type { SqlDatabase, SqlExecutor, TransactionOptions } from './sql-database.ts';

const STATEMENT_TEXT_LIMIT = 2000;

/** `SELECT`, `INSERT` … of a statement (the first keyword after a leading `WITH … AS (…)` is not sought). */
function operationOf(text: string): string {
  const match = /^\s*([A-Za-z]+)/.exec(text);
  return match ? match[1]!.toUpperCase() : 'QUERY';
}

/**
 * A span per store operation on `db`: each statement (`postgres SELECT`), each transaction
 * (`postgres transaction`, its statements as children) and each script. Spans are made only inside
 * a live span (a request, a service call, an event being handled), so idle polling traces nothing.
 * Attributes: `db.system.name`, `db.operation.name`, `db.query.text` (parameterised: no values),
 * `polyshop.store` (`pglite` | `postgres`) and `polyshop.service` (whose work it is).
 */
export function traceDatabase(db: SqlDatabase): SqlDatabase {
  const store = db.engine;
  function inSpan<T>(name: string, text: string | undefined, work: () => Promise<T>): Promise<T> {
    const parent = context.active();
    if (!liveParentSpan(parent)) return work();
    const operation = text === undefined ? name : operationOf(text);
    const span = polyshopTracer().startSpan(
      `${store === 'pglite' ? 'pglite' : 'postgres'} ${operation}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.operation.name': operation,
          'polyshop.store': store,
          ...(text === undefined ? {} : { 'db.query.text': text.slice(0, STATEMENT_TEXT_LIMIT) }),
          ...serviceAttribute(parent),
        },
      },
      parent,
    );
    return context.with(trace.setSpan(parent, span), () => settle(span, work));
  }
  const executor = (target: SqlExecutor): SqlExecutor => ({
    query: (text, params) => inSpan('query', text, () => target.query(text, params)),
    execute: (text, params) => inSpan('execute', text, () => target.execute(text, params)),
  });
  const traced: SqlDatabase = {
    get engine() {
      return db.engine;
    },
    ...executor(db),
    transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
      return inSpan('transaction', undefined, () => db.transaction((tx) => work(executor(tx)), options));
    },
    exec: (script) => inSpan('exec', undefined, () => db.exec(script)),
    ping: () => db.ping(),
    close: () => db.close(),
  };
  return traced;
}

function serviceAttribute(ctx: Context): Record<string, string> {
  const service = tracedService(ctx);
  return service ? { 'polyshop.service': service } : {};
}

/** Runs `work`, ending `span` when it settles (an error status and event when it throws). */
export async function settle<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
    throw error;
  } finally {
    span.end();
  }
}
