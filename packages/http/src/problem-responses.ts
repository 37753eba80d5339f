import type { FastifySchema, RouteOptions } from 'fastify';
import Type from 'typebox';
import { PROBLEM_CONTENT_TYPE } from '@polyshop/kernel';
import { isGuard } from './authorizer.ts';
import { ProblemSchema } from './schemas.ts';

/** The Problem schema without its `$id`, as components and response contents hold it. */
export const PROBLEM_COMPONENT: Record<string, unknown> = Object.fromEntries(
  Object.entries(ProblemSchema).filter(([key]) => key !== '$id'),
);

/** A response of `application/problem+json` (what every error of every route is sent as). */
export function problemResponse(description: string): Record<string, unknown> {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_COMPONENT } } };
}

/** A `204 No Content` response: declared by the routes that answer it, documented without a body. */
export const NoContent = Type.Unsafe<undefined>({ type: 'null', description: 'No content.' });

function hooksOf(route: RouteOptions): unknown[] {
  const hooks: unknown[] = [route.onRequest, route.preValidation, route.preHandler];
  return hooks.flatMap((hook): unknown[] => (Array.isArray(hook) ? (hook as unknown[]) : hook ? [hook] : []));
}

type RouteSchema = Omit<FastifySchema, 'response'> & {
  security?: readonly unknown[];
  hide?: boolean;
  response?: Record<string, unknown>;
};

/**
 * The problem+json statuses a route can answer, derived from the route alone: 400 on every route (the
 * edge rules refuse bad text and bad percent-encoding anywhere, and its schemas' values), 401 and 403
 * when it is guarded, 404 and 414 when it has path parameters, 413 and 415 when it takes a body, 503
 * on every route (a store or another service it depends on is unavailable), 431 on every route (a URL
 * or header too long for Node's HTTP parser, 16 KiB with the request line: a long query string is
 * one). Statuses only a handler knows (409, 412, 428, 429, 204 …) the route declares itself.
 */
export function derivedProblemStatuses(schema: RouteSchema, guarded: boolean): Record<string, string> {
  const statuses: Record<string, string | undefined> = {
    400: 'The request is invalid: a field, parameter or header is refused (problem `field` and `errors` name it).',
    ...(guarded
      ? {
          401: 'No access token, or one that is expired, revoked or unknown.',
          403: 'The token’s user lacks the permission this needs.',
        }
      : {}),
    ...(schema.params ? { 404: 'Nothing has this identifier.', 414: 'A path parameter is too long.' } : {}),
    ...(schema.body
      ? {
          413: 'The request body is larger than the limit.',
          415: 'The request body is not application/json.',
        }
      : {}),
    431: 'The URL and headers are larger than the limit (16 KiB): a query string or header is too long.',
    503: 'A store or service this depends on is unavailable; retry later.',
  };
  return Object.fromEntries(Object.entries(statuses).filter(([, text]) => text !== undefined)) as Record<
    string,
    string
  >;
}

const isProblemSchema = (schema: unknown) =>
  schema === ProblemSchema || (schema as { $id?: unknown } | undefined)?.$id === 'Problem';

/**
 * Fastify's `onRoute` hook documenting every route's problem responses by one rule (see
 * derivedProblemStatuses): each is `application/problem+json` with the Problem schema, also where the
 * route declared `ProblemSchema` itself; a guarded route (an Authorizer hook) is documented with its
 * bearer security. Routes hidden from the document are left as they are.
 */
export function documentProblemResponses(route: RouteOptions): void {
  const schema = (route.schema ?? {}) as RouteSchema;
  if (schema.hide) return;
  const guarded = hooksOf(route).some(isGuard) || (schema.security?.length ?? 0) > 0;
  const response: Record<string, unknown> = { ...schema.response };
  if (!Object.keys(response).some((status) => /^2/.test(status)))
    response[200] = { description: 'Default Response' };
  for (const [status, description] of Object.entries(derivedProblemStatuses(schema, guarded)))
    if (response[status] === undefined || isProblemSchema(response[status]))
      response[status] = problemResponse(description);
  for (const [status, declared] of Object.entries(response))
    if (isProblemSchema(declared)) response[status] = problemResponse(`${status}: see the problem's code.`);
  route.schema = {
    ...schema,
    ...(guarded && !schema.security ? { security: [{ bearerAuth: [] }] } : {}),
    response,
  };
}
