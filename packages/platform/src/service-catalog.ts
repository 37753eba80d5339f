import { AppError } from '@polyshop/kernel';
import type { AnyServiceDefinition, Authorizer, ServiceClient, ServiceName } from '@polyshop/http';
import { createAuthorizer as createUsersAuthorizer, definition as users } from '@polyshop/users';
import { definition as payments } from '@polyshop/payments';
import { definition as products } from '@polyshop/products';
import { definition as inventory } from '@polyshop/inventory';
import { definition as orders } from '@polyshop/orders';
import { definition as search } from '@polyshop/search';
import { definition as notifications } from '@polyshop/notifications';

/**
 * Every service the platform can run, in creation order (a service comes after those it `needs`): the
 * one list of services. Each entry is the `definition` exported by the service's package, which declares
 * its name, prefix, default port and stores; everything else (`polyshop serve` names and ports, store
 * selection, mounting) is derived from here.
 */
export const serviceDefinitions: readonly AnyServiceDefinition[] = [
  users,
  payments,
  products,
  inventory,
  orders,
  search,
  notifications,
];

/** The names of the services in the catalog, in creation order. */
export const serviceNames: readonly ServiceName[] = serviceDefinitions.map((definition) => definition.name);

/** The catalog's definition of `name`, or `undefined` for a name it does not hold. */
export function findServiceDefinition(
  name: string,
  definitions: readonly AnyServiceDefinition[] = serviceDefinitions,
): AnyServiceDefinition | undefined {
  return definitions.find((definition) => definition.name === name);
}

/**
 * Route guards for every service, backed by the user service's client (in-process, or over HTTP in
 * multi-process mode). Without a reachable user service, guarded routes answer 503 rather than
 * letting anyone through.
 */
export function createAuthorizer(client: () => ServiceClient<'users'>): Authorizer {
  return createUsersAuthorizer(() => {
    try {
      return client();
    } catch (error) {
      throw AppError.unavailable(
        'AUTH.UNAVAILABLE',
        'The user service is not running; guarded routes are unavailable.',
        { cause: error },
      );
    }
  });
}
