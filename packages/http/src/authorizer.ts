import type { preHandlerAsyncHookHandler } from 'fastify';

/** Who is calling, as established by the user service for this request. */
export interface Principal {
  userId: string;
  email?: string;
  roles: string[];
  /** Effective permissions as `resource:action` (`products:write`). */
  permissions: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by an Authorizer hook on routes that require a token. */
    principal?: Principal;
  }
}

/**
 * Route guards every service uses; implemented by the user service (`@polyshop/users`), checked
 * against its database on each request so that a revocation applies to the very next request.
 */
export interface Authorizer {
  /** Requires a valid, unrevoked token: 401 otherwise. Sets `request.principal`. */
  authenticate(): preHandlerAsyncHookHandler;
  /** Requires a valid token whose user holds `resource:action`: 401 without token, 403 without permission. */
  authorize(resource: string, action: string): preHandlerAsyncHookHandler;
}

const GUARD = Symbol.for('polyshop.http.guard');

/**
 * Marks a hook as an Authorizer's guard (implementations mark what `authenticate` and `authorize`
 * return), so that the OpenAPI document says the routes it guards answer 401 and 403.
 */
export function markGuard(hook: preHandlerAsyncHookHandler): preHandlerAsyncHookHandler {
  return Object.assign(hook, { [GUARD]: true });
}

/** True for a hook marked by markGuard. */
export function isGuard(hook: unknown): boolean {
  return typeof hook === 'function' && (hook as { [GUARD]?: boolean })[GUARD] === true;
}

/** True when the principal holds `resource:action`, `resource:*` or `*:*` (the admin's wildcard). */
export function hasPermission(principal: Principal | undefined, resource: string, action: string): boolean {
  const held = principal?.permissions ?? [];
  return (
    held.includes(`${resource}:${action}`) ||
    held.includes(`${resource}:*`) ||
    held.includes(`*:${action}`) ||
    held.includes('*:*')
  );
}
