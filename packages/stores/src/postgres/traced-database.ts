import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { liveParentSpan, startPolyshopSpan, tracedService } from '../trace-scope.ts';
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
  const prefix = store === 'pglite' ? 'pglite ' : 'postgres ';
  function start(parent: Context, operation: string, text: string | undefined): Span {
    const attributes: Attributes = {
      'db.system.name': 'postgresql',
      'db.operation.name': operation,
      'polyshop.store': store,
    };
    if (text !== undefined) attributes['db.query.text'] = text.slice(0, STATEMENT_TEXT_LIMIT);
    const service = tracedService(parent);
    if (service) attributes['polyshop.service'] = service;
    return startPolyshopSpan(prefix + operation, SpanKind.CLIENT, attributes, parent);
  }
  /** A statement: a leaf span (nothing runs under it), so no context is entered for it. */
  function statement<T>(text: string, work: () => Promise<T>): Promise<T> {
    const parent = context.active();
    if (!liveParentSpan(parent)) return work();
    return settle(start(parent, operationOf(text), text), work);
  }
  /** A transaction or script: its statements are its children. */
  function enclosing<T>(name: string, work: () => Promise<T>): Promise<T> {
    const parent = context.active();
    if (!liveParentSpan(parent)) return work();
    const span = start(parent, name, undefined);
    return context.with(trace.setSpan(parent, span), () => settle(span, work));
  }
  const executor = (target: SqlExecutor): SqlExecutor => ({
    query: (text, params) => statement(text, () => target.query(text, params)),
    execute: (text, params) => statement(text, () => target.execute(text, params)),
  });
  const traced: SqlDatabase = {
    get engine() {
      return db.engine;
    },
    ...executor(db),
    transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
      return enclosing('transaction', () => db.transaction((tx) => work(executor(tx)), options));
    },
    exec: (script) => enclosing('exec', () => db.exec(script)),
    ping: () => db.ping(),
    close: () => db.close(),
  };
  return traced;
}

/**
 * Runs `work`, ending `span` when it settles (an error status and event when it throws). Not an
 * `async` function: one promise reaction per span instead of an async frame's three.
 */
export function settle<T>(span: Span, work: () => Promise<T>): Promise<T> {
  let running: Promise<T>;
  try {
    running = work();
  } catch (error) {
    failed(span, error);
    // as an `async` function would: the thrown value itself, Error or not
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(error);
  }
  return running.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      failed(span, error);
      throw error;
    },
  );
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
  span.end();
}
