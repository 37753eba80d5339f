import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';

/** The name of the hot SKU's c=1 anchor that runs its UPDATE behind a bare route (the report reads it). */
export const BARE_ROUTE_ANCHOR = 'bare route: Fastify + node-postgres running that UPDATE, nothing else';

/** The name of search's through-OpenSearch anchor that passes its `_search` through a bare proxy. */
export const BARE_PROXY_ANCHOR =
  'bare proxy: Fastify passing the same _search through the official client, nothing else';

/** A bare HTTP route in front of one store call: what `startBareRoute` and `startBareProxy` start. */
export interface BareRoute {
  /** `POST` (the statement) or `GET` (the proxy) here makes the store call. */
  url: string;
  close(): Promise<void>;
}

/** Listens on a free loopback port; `release` frees what the route holds, also when listening fails. */
async function listen(app: FastifyInstance, release: () => Promise<void>): Promise<BareRoute> {
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await release();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`,
    close: async () => {
      await app.close();
      await release();
    },
  };
}

/**
 * The floor of "one HTTP request, one statement" on this machine, as an anchor: a Fastify route that
 * runs `sql` (a prepared statement, no parameters) on a node-postgres pool and answers 200 when it
 * returned a row, 409 when not. Nothing else: no authentication, no validation, no coalescing, no
 * events, no reservation row. polyshop over HTTP cannot beat it; the gap to pgbench is the cost of
 * HTTP and of Node in front of the same statement.
 */
export async function startBareRoute(options: {
  databaseUrl: string;
  sql: string;
  poolSize: number;
}): Promise<BareRoute> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize });
  const app = Fastify({ logger: false });
  const statement = { name: 'bare-route', text: options.sql };
  app.post('/', async (_request, reply) => {
    const result = await pool.query(statement);
    return reply.code(result.rowCount === 1 ? 200 : 409).send({ ok: result.rowCount === 1 });
  });
  return listen(app, () => pool.end());
}

/**
 * The floor of "one HTTP request, one store call" in front of a store with its own client, as an
 * anchor: a Fastify route whose `GET` answers what `call` resolves to (e.g. the official client's
 * `_search` answer, as it came). No validation, mapping, cursor or schema: the gap between it and the
 * raw call is what an HTTP hop and Node in front of the store cost on this machine.
 */
export async function startBareProxy(call: () => Promise<unknown>): Promise<BareRoute> {
  const app = Fastify({ logger: false });
  app.get('/', async () => call());
  return listen(app, async () => undefined);
}
