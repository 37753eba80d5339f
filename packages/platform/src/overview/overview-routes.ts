import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import type { Clock } from '@polyshop/kernel';
import type { Authorizer } from '@polyshop/http';
import { staffGuard } from '../staff-guard.ts';
import type { RequestWindow } from './request-window.ts';

/** What `/readyz` reads: each store connection's and service's check, and where each service reads and writes. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
  stores: Record<string, { phase: string; reads: string; writes: string; mirror?: string | undefined }>;
}

/** A service of this process as the overview needs it. */
export interface OverviewService {
  name: string;
  prefix: string;
  /** The store its configuration names (`PRODUCT_STORE`, the profile). */
  store: string;
}

const P99 = Type.Union([
  Type.Object({
    seconds: Type.Number({ description: 'upper bound of the histogram bucket the 99th percentile is in' }),
    above: Type.Boolean({ description: 'true: beyond the largest bucket (seconds is that bucket)' }),
  }),
  Type.Null(),
]);

export const OverviewSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    checks: Type.Record(Type.String(), Type.String(), {
      description: 'each opened store connection: `ok` or the error (as `/readyz`)',
    }),
    windowSeconds: Type.Union([Type.Number(), Type.Null()], {
      description: 'the span the request figures cover (null: METRICS=off)',
    }),
    services: Type.Array(
      Type.Object({
        name: Type.String(),
        prefix: Type.String(),
        store: Type.String({ description: 'the configured store' }),
        phase: Type.Union([Type.String(), Type.Null()], {
          description: 'its store migration phase, null for a service that cannot move',
        }),
        reads: Type.String({ description: 'the store reads go to now' }),
        writes: Type.String({ description: 'the source of truth writes go to' }),
        mirror: Type.Union([Type.String(), Type.Null()], { description: 'the store writes are copied to' }),
        ready: Type.Boolean(),
        check: Type.String({ description: '`ok` or why it is not ready' }),
        requests: Type.Union([Type.Integer(), Type.Null()]),
        perSecond: Type.Union([Type.Number(), Type.Null()]),
        p99: P99,
      }),
    ),
  },
  { $id: 'Overview' },
);

/**
 * `GET /admin/overview`: the services of this process, their stores, readiness, request rate and p99
 * over the last minute — the operator console's first page. For staff: `platform:read` or
 * `platform:admin` (who alone may act in the console).
 */
export function overviewRoutes(options: {
  services: readonly OverviewService[];
  readiness: () => Promise<Readiness>;
  traffic: RequestWindow | undefined;
  authorizer: Authorizer;
  clock: Clock;
}): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/overview',
      {
        preHandler: staffGuard(options.authorizer),
        schema: {
          tags: ['admin'],
          security: [{ bearerAuth: [] }],
          summary: 'Every service: its stores, readiness, request rate and p99 over the last minute',
          description:
            'Needs platform:read or platform:admin. Request figures are the difference of the HTTP histogram to the oldest read of this route within 60 s (since start on the first read).',
          response: { 200: OverviewSchema },
        },
      },
      async (): Promise<Static<typeof OverviewSchema>> => {
        const [readiness, traffic] = await Promise.all([
          options.readiness(),
          options.traffic?.read(options.clock.now()),
        ]);
        const connections = Object.fromEntries(
          Object.entries(readiness.checks).filter(([name]) => !options.services.some((s) => s.name === name)),
        );
        return {
          status: readiness.ready ? 'ready' : 'unavailable',
          checks: connections,
          windowSeconds: traffic?.windowSeconds ?? null,
          services: options.services.map(({ name, prefix, store }) => {
            const routed = readiness.stores[name];
            const check = readiness.checks[name] ?? 'ok';
            const figures = traffic?.byService.get(name);
            return {
              name,
              prefix,
              store,
              phase: routed?.phase ?? null,
              reads: routed?.reads ?? store,
              writes: routed?.writes ?? store,
              mirror: routed?.mirror ?? null,
              ready: check === 'ok',
              check,
              requests: traffic ? (figures?.requests ?? 0) : null,
              perSecond: traffic ? (figures?.perSecond ?? 0) : null,
              p99: figures?.p99 ?? null,
            };
          }),
        };
      },
    );
  };
}
