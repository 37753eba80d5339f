import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '@polyshop/kernel';
import type { Principal } from '@polyshop/http';
import type { UsersDeps } from './users-deps.ts';

/** The principal of a service-to-service call made with `POLYSHOP_INTERNAL_TOKEN`. */
export const SERVICE_PRINCIPAL: Principal = Object.freeze({
  userId: 'service',
  roles: ['service'],
  permissions: ['*:*'],
});

function sameSecret(a: string, b: string): boolean {
  // Hashing first gives equal lengths, so the comparison time says nothing about the secret.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** True when `token` is this process's `POLYSHOP_INTERNAL_TOKEN` (never when the variable is unset). */
export function isInternalToken(deps: UsersDeps, token: string | undefined): boolean {
  const internal = deps.config.POLYSHOP_INTERNAL_TOKEN;
  return Boolean(internal && token && sameSecret(token, internal));
}

/**
 * Only another service may introspect over HTTP: the caller must present `POLYSHOP_INTERNAL_TOKEN`
 * as its bearer token (a user's own access token is not enough: introspection would otherwise be
 * an oracle for any stolen token's permissions). Without the variable, nobody may.
 */
export function assertInternalCaller(deps: UsersDeps, bearer: string | undefined): void {
  if (!bearer)
    throw AppError.unauthorized(
      'AUTH.TOKEN_MISSING',
      'This route is for other services: send POLYSHOP_INTERNAL_TOKEN as the bearer token.',
    );
  if (!isInternalToken(deps, bearer))
    throw AppError.forbidden('AUTH.INTERNAL_ONLY', 'This route is for other services only.', {
      details: { required: 'the internal service credential' },
    });
}

/**
 * Who a bearer token belongs to and what they may do — read from the database on every call, so a
 * logout, an erasure or a revoked role or permission applies to the very next request.
 */
export async function introspect(deps: UsersDeps, token: string): Promise<Principal> {
  if (isInternalToken(deps, token))
    return {
      ...SERVICE_PRINCIPAL,
      roles: [...SERVICE_PRINCIPAL.roles],
      permissions: [...SERVICE_PRINCIPAL.permissions],
    };
  const claims = await deps.tokens.verifyAccessToken(token);
  const access = await deps.store.users.findAccess(claims.userId, {
    sessionId: claims.sessionId,
    at: deps.clock.now(),
  });
  if (!access || access.status !== 'active') {
    throw AppError.unauthorized(
      'AUTH.SESSION_ENDED',
      'The session has ended (logged out, revoked or the account was erased).',
    );
  }
  const principal: Principal = {
    userId: access.userId,
    roles: access.roles,
    permissions: access.permissions,
  };
  if (access.email) principal.email = access.email;
  return principal;
}
