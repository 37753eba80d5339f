import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import pg from 'pg';

/** The name of the hot SKU's c=1 anchor that runs its UPDATE behind a bare route (the report reads it). */
export const BARE_ROUTE_ANCHOR = 'bare route: Fastify + node-postgres running that UPDATE, nothing else';

/** A bare HTTP route running one SQL statement: what `startBareRoute` starts. */
export interface BareRoute {
  /** `POST` here runs the statement. */
  url: string;
  close(): Promise<void>;
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
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}
