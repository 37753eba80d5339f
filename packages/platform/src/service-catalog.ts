import { AppError } from '@polyshop/kernel';
import type { Authorizer, ServiceDefinition, ServiceName } from '@polyshop/http';
import {
  createAuthorizer as createUsersAuthorizer,
  definition as users,
  type UsersClient,
} from '@polyshop/users';
import { definition as payments } from '@polyshop/payments';
import { definition as products } from '@polyshop/products';
import { definition as inventory } from '@polyshop/inventory';
import { definition as orders } from '@polyshop/orders';
import { definition as search } from '@polyshop/search';
import { definition as notifications } from '@polyshop/notifications';

/**
 * Every service the platform can run, in creation order (a service comes after those it `needs`).
 * Each entry is the `definition` exported by the service's package.
 */
export const serviceDefinitions: ServiceDefinition[] = [
  users,
  payments,
  products,
  inventory,
  orders,
  search,
  notifications,
];

/**
 * Route guards for every service, backed by the user service's client (in-process, or over HTTP in
 * multi-process mode). Without a reachable user service, guarded routes answer 503 rather than
 * letting anyone through.
 */
export function createAuthorizer(client: <T>(name: ServiceName) => T): Authorizer {
  return createUsersAuthorizer(() => {
    try {
      return client<UsersClient>('users');
    } catch (error) {
      throw AppError.unavailable(
        'AUTH.UNAVAILABLE',
        'The user service is not running; guarded routes are unavailable.',
        { cause: error },
      );
    }
  });
}
