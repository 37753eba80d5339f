import type { FastifyRequest } from 'fastify';
import { AppError } from '@polyshop/kernel';
import type { Actor, RequestMeta } from '../app/users-deps.ts';

/** Client IP and user agent of a request (for the audit trail and throttling). */
export function metaOf(request: FastifyRequest): RequestMeta {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 500) : undefined };
}

/** The authenticated caller of a guarded route. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.principal)
    throw AppError.unauthorized('AUTH.TOKEN_MISSING', 'This route needs an access token.');
  return { principal: request.principal, ...metaOf(request) };
}

export const bearerSecurity = [{ bearerAuth: [] }];
