import type { preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '@polyshop/kernel';
import { hasPermission, markGuard, type Authorizer } from '@polyshop/http';

/**
 * A signed-in member of staff: `platform:read` (the console's read-only views) or `platform:admin`
 * (who alone may act); 401 without a token, 403 without either.
 */
export function staffGuard(authorizer: Authorizer): preHandlerAsyncHookHandler {
  const authenticate = authorizer.authenticate();
  return markGuard(async function (request, reply) {
    await authenticate.call(this, request, reply);
    const principal = request.principal;
    if (!hasPermission(principal, 'platform', 'read') && !hasPermission(principal, 'platform', 'admin'))
      throw AppError.forbidden(
        'AUTH.FORBIDDEN',
        'This needs the permission platform:read or platform:admin.',
        {
          field: 'authorization',
        },
      );
  });
}
