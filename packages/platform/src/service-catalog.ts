import { AppError } from '@polyshop/kernel';
import type { Authorizer, ServiceDefinition, ServiceName } from '@polyshop/http';

/**
 * Every service the platform can run, in creation order (a service comes after those it `needs`).
 * Each entry is the `definition` exported by the service's package.
 */
export const serviceDefinitions: ServiceDefinition[] = [];

/**
 * Route guards for every service, backed by the user service's client. Without a user service in
 * the catalog, guarded routes answer 503 rather than letting anyone through.
 */
export function createAuthorizer(_client: <T>(name: ServiceName) => T): Authorizer {
  const unavailable = async () => {
    throw AppError.unavailable('AUTH.UNAVAILABLE', 'The user service is not running; guarded routes are unavailable.');
  };
  return { authenticate: () => unavailable, authorize: () => unavailable };
}
