import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import {
  InventoryClientReservations,
  type InventoryApi,
} from './adapters/clients/inventory-client-reservations.ts';
import { PaymentsClientProcessor, type PaymentsApi } from './adapters/clients/payments-client-processor.ts';
import { OrderService } from './app/order-service.ts';
import { loadOrdersConfig } from './app/orders-config.ts';
import { orderRoutes } from './http/order-routes.ts';
import { localOrdersClient, OrdersHttpClient, type OrdersClient } from './orders-client.ts';
import type { Customer } from './domain/order.ts';
import type { ProductCatalog } from './ports/product-catalog.ts';

/** The part of `@polyshop/users`' client the order service uses (structurally). */
interface UsersApi {
  findUser(userId: string): Promise<Customer | undefined>;
}

/** The order service as the platform runs it, with the `OrderService` inside (tests drive it directly). */
export type OrdersModule = ServiceModule<OrdersClient> & { service: OrderService };

/**
 * Builds the order service: its schema on the shared PostgreSQL, the saga over the product, inventory
 * and payment clients (in-process or HTTP, whichever the platform hands out), the recovery worker
 * and the outbox relay.
 */
export async function createOrdersService(context: ServiceContext): Promise<OrdersModule> {
  const config = loadOrdersConfig(context.env);
  const service = await OrderService.open({
    db: await context.postgres(),
    catalog: context.client<ProductCatalog>('products'),
    stock: new InventoryClientReservations(context.client<InventoryApi>('inventory')),
    payments: new PaymentsClientProcessor(context.client<PaymentsApi>('payments')),
    customers: { findCustomer: (userId) => context.client<UsersApi>('users').findUser(userId) },
    clock: context.clock,
    logger: context.logger,
    config,
    publisher: context.bus,
  });
  const prefix = '/orders';
  return {
    name: 'orders',
    prefix,
    service,
    client: localOrdersClient(service.deps.repository),
    routes: orderRoutes(service.deps, context.authorizer, prefix),
    async start() {
      service.start();
    },
    async stop() {
      await service.stop();
    },
  };
}

/** How the platform creates the order service and reaches it from another process. */
export const definition: ServiceDefinition<OrdersClient> = {
  name: 'orders',
  needs: ['users', 'products', 'inventory', 'payments'],
  create: createOrdersService,
  httpClient: (baseUrl, context) => new OrdersHttpClient(baseUrl, { logger: context.logger }),
};
