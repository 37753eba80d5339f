import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import type { DeadLetter, DeadLetters } from '@polyshop/bus';
import type { Authorizer } from '@polyshop/http';
import { staffGuard } from './staff-guard.ts';

/** A dead letter on the wire. */
export const DeadLetterSchema = Type.Object(
  {
    id: Type.String(),
    consumer: Type.String(),
    eventId: Type.String(),
    eventType: Type.String(),
    /** The whole event envelope, as published. */
    event: Type.Object({}, { additionalProperties: true }),
    error: Type.String({ description: 'the last failure' }),
    attempts: Type.Integer(),
    failedAt: Type.String({ format: 'date-time' }),
    replayedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'DeadLetter' },
);

const ListQuery = Type.Object(
  {
    consumer: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    pending: Type.Optional(Type.Boolean({ description: 'true: not replayed yet; false: replayed' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** The wire form of a dead letter (dates as ISO strings, event type and id at the top). */
export function toDeadLetterView(letter: DeadLetter): Static<typeof DeadLetterSchema> {
  return {
    id: letter.id,
    consumer: letter.consumer,
    eventId: letter.event.id,
    eventType: letter.event.type,
    event: letter.event,
    error: letter.error,
    attempts: letter.attempts,
    failedAt: letter.failedAt.toISOString(),
    replayedAt: letter.replayedAt?.toISOString() ?? null,
  };
}

/**
 * `/admin`: the platform's dead letters (events a consumer gave up on) and their replay to that
 * consumer. Staff read them (`platform:read` or `platform:admin`: the console's Events page); a replay
 * needs `platform:admin`.
 */
export function adminRoutes(deadLetters: DeadLetters, authorizer: Authorizer): FastifyPluginAsync {
  return async (app) => {
    const preHandler = staffGuard(authorizer);
    const admin = authorizer.authorize('platform', 'admin');
    const tags = ['admin'];
    const security = [{ bearerAuth: [] }];

    app.get<{ Querystring: Static<typeof ListQuery> }>(
      '/dead-letters',
      {
        preHandler,
        schema: {
          tags,
          security,
          summary: 'List dead letters, most recent failure first',
          querystring: ListQuery,
          response: { 200: Type.Object({ items: Type.Array(DeadLetterSchema) }) },
        },
      },
      async (request) => {
        const { consumer, pending, limit } = request.query;
        const letters = await deadLetters.list({
          ...(consumer !== undefined ? { consumer } : {}),
          ...(pending !== undefined ? { pending } : {}),
          limit: limit ?? 100,
        });
        return { items: letters.map(toDeadLetterView) };
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      '/dead-letters/:id',
      {
        preHandler,
        schema: {
          tags,
          security,
          summary: 'One dead letter',
          params: IdParams,
          response: { 200: DeadLetterSchema },
        },
      },
      async (request) => toDeadLetterView(await deadLetters.get(request.params.id)),
    );

    app.post<{ Params: Static<typeof IdParams> }>(
      '/dead-letters/:id/replay',
      {
        preHandler: admin,
        schema: {
          tags,
          security,
          summary: 'Hand the event to the consumer that failed on it again (that consumer only)',
          description:
            'Needs platform:admin. 409 EVENTS.REPLAY_FAILED if it fails again, 409 EVENTS.ALREADY_REPLAYED, 503 EVENTS.CONSUMER_NOT_RUNNING.',
          params: IdParams,
          response: { 200: DeadLetterSchema },
        },
      },
      async (request) => toDeadLetterView(await deadLetters.replay(request.params.id)),
    );
  };
}
