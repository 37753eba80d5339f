import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from '@polyshop/kernel';
import { runAsWorkFrom } from '@polyshop/stores';
import { installProblemHandlers, sendClientErrorProblem, sendFrameworkProblem } from './problem-handler.ts';
import { requestValidatorFactory } from './request-validation.ts';
import { installTextRules } from './request-text.ts';
import { LatencyWindow } from './latency-window.ts';
import { documentProblemResponses, PROBLEM_COMPONENT } from './problem-responses.ts';

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
  /** The id of a request that brings no `x-request-id` (default: a random UUID; with tracing, its trace id). */
  genReqId?: (raw: IncomingMessage) => string;
}

export type HttpApp = FastifyInstance;

const problem = (description: string, headers?: Record<string, object>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});
/** What any route may answer before its own handler runs (the edge rules), documented once. */
const EDGE_RESPONSES = {
  MethodNotAllowed: problem('405: the path exists, but not for this method.', {
    Allow: { description: "the path's methods", schema: { type: 'string', examples: ['GET, HEAD'] } },
  }),
  UriTooLong: problem('414: a path parameter is longer than 100 characters.'),
  UnsupportedMediaType: problem('415: a request body that is not application/json.'),
};

/**
 * Route plugins opt into TypeBox typing with `app.withTypeProvider<TypeBoxTypeProvider>()`.
 * The Fastify host shared by all-in-one and per-service processes: request ids (`x-request-id` in and
 * out), TypeBox schemas for validation and OpenAPI (`/docs`, `/docs/json`), problem+json errors. Bad
 * input is refused here, for every route alike: text that is not storable (request-text.ts), JSON bodies
 * of the wrong types and out-of-range dates (request-validation.ts), unknown methods (405), over-long
 * path parameters (414) and bodies that are not JSON (415).
 */
export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: options.trustProxy?.length ? options.trustProxy : false,
    requestIdHeader: 'x-request-id',
    genReqId: options.genReqId ?? (() => randomUUID()),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    schemaController: { compilersFactory: { buildValidator: requestValidatorFactory() } },
    frameworkErrors: sendFrameworkProblem,
    // what Node's HTTP parser refuses (an over-long URL or header: 431) is problem+json too
    clientErrorHandler: (error, socket) => sendClientErrorProblem(error, socket, loggerInstance),
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
  installTextRules(app);
  // every route documents the problem+json statuses it can answer (problem-responses.ts)
  app.addHook('onRoute', documentProblemResponses);
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
        schemas: { Problem: PROBLEM_COMPONENT },
        responses: EDGE_RESPONSES,
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  return app;
}
