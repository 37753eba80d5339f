import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '@polyshop/kernel';
import { hasPermission, markGuard, type Authorizer, type Principal } from '@polyshop/http';
import type { UsersClient } from '../users-client.ts';

/** The bearer token of a request, if it sent one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Route guards backed by the user service. Every guarded request asks the user service (in-process:
 * one database query; multi-process: one HTTP call) for the token's current principal, so a logout,
 * an erasure or a revoked role or permission applies to the very next request. Pass the client, or a
 * function returning it when the user service is created later than the authorizer.
 */
export function createAuthorizer(users: UsersClient | (() => UsersClient)): Authorizer {
  const client = typeof users === 'function' ? users : () => users;

  async function principalOf(request: FastifyRequest): Promise<Principal> {
    const token = bearerToken(request);
    if (!token)
      throw AppError.unauthorized(
        'AUTH.TOKEN_MISSING',
        'This route needs an access token (Authorization: Bearer <token>).',
      );
    const principal = await client().introspect(token);
    request.principal = principal;
    return principal;
  }

  return {
    authenticate(): preHandlerAsyncHookHandler {
      return markGuard(async (request) => {
        await principalOf(request);
      });
    },
    authorize(resource: string, action: string): preHandlerAsyncHookHandler {
      return markGuard(async (request) => {
        const principal = await principalOf(request);
        if (!hasPermission(principal, resource, action)) {
          throw AppError.forbidden('AUTH.FORBIDDEN', `This needs the permission ${resource}:${action}.`, {
            details: { required: `${resource}:${action}` },
          });
        }
      });
    },
  };
}
