import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from '@polyshop/kernel';
import { runAsWorkFrom } from '@polyshop/stores';
import { installProblemHandlers } from './problem-handler.ts';
import { LatencyWindow } from './latency-window.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** How long the app's live requests took lately (not `/admin`, `/docs` or health checks). */
    latencies: LatencyWindow;
  }
}

export interface HttpAppOptions {
  logger: Logger;
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  /**
   * The proxies (addresses, CIDR ranges, `loopback` …) whose `X-Forwarded-For` is believed for the
   * client address (`request.ip`); none by default, so a client cannot choose its own address.
   */
  trustProxy?: string[];
  title?: string;
  version?: string;
}

export type HttpApp = FastifyInstance;

/**
 * Route plugins opt into TypeBox typing with `app.withTypeProvider<TypeBoxTypeProvider>()`.
 * The Fastify host shared by all-in-one and per-service processes: request ids (`x-request-id` in and
 * out), TypeBox schemas for validation and OpenAPI (`/docs`, `/docs/json`), problem+json errors.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: options.trustProxy?.length ? options.trustProxy : false,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ajv: {
      customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false, useDefaults: true },
    },
  });
  // Everything a request starts is work of that request's age: a one-connection store serves the oldest first.
  app.addHook('onRequest', (_request, _reply, done) => runAsWorkFrom(performance.now(), done));
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Live traffic's latencies, for what must yield to it (a store migration's backfill backs off).
  app.decorate('latencies', new LatencyWindow());
  app.addHook('onResponse', (request, reply, done) => {
    const url = request.routeOptions.url ?? request.url;
    if (!/^\/(admin|docs|healthz|readyz)(\/|$)/.test(url)) app.latencies.record(reply.elapsedTime);
    done();
  });
  installProblemHandlers(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: options.title ?? 'polyshop',
        version: options.version ?? '0.1.0',
        description: 'polyshop e-commerce platform API. Errors are application/problem+json (RFC 9457).',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  return app;
}
