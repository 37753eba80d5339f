import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import type { Authorizer } from '@polyshop/http';
import { AdviceSchema } from './advice-schema.ts';
import { advise, type AdvisorSources } from './advisor.ts';

const AdviceQuery = Type.Object(
  {
    window: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 604800,
        description: 'seconds of recent traffic measured (default ADVISE_WINDOW_SECONDS, 300)',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * `GET /admin/advice` (`platform:admin`): for every service, whether the seed's trigger for moving it
 * to its target store fires, with the evidence (`advise`); the same object as `polyshop advise --json`.
 */
export function adviceRoutes(sources: AdvisorSources, authorizer: Authorizer): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: Static<typeof AdviceQuery> }>(
      '/advice',
      {
        preHandler: authorizer.authorize('platform', 'admin'),
        schema: {
          tags: ['admin'],
          security: [{ bearerAuth: [] }],
          summary:
            'Pain-point advice: which service the seed says should move to its target store, with evidence',
          description:
            'Reads the stores’ own history and statistics and this process’s live metrics; thresholds from ADVISE_* (README). 400 on a bad window.',
          querystring: AdviceQuery,
          response: { 200: AdviceSchema },
        },
      },
      async (request) => advise(sources, request.query.window),
    );
  };
}
