import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import { InventoryClientReservations } from './adapters/clients/inventory-client-reservations.ts';
import { PaymentsClientProcessor } from './adapters/clients/payments-client-processor.ts';
import { OrderService } from './app/order-service.ts';
import { loadOrdersConfig } from './app/orders-config.ts';
import { ordersRoutes } from './http/orders-routes.ts';
import { localOrdersClient, OrdersHttpClient, type OrdersClient } from './orders-client.ts';
import { openOrdersStorage } from './orders-storage.ts';
import { isTerminal, SAGA_STATES } from './domain/checkout-saga.ts';
import type { UnfinishedSagas } from './ports/order-repository.ts';

/** Where the order routes are mounted (`Location` headers name it). */
const ORDERS_PREFIX = '/orders';

/** The order service as the platform runs it, with the `OrderService` inside (tests drive it directly). */
export type OrdersModule = ServiceModule<OrdersClient> & { service: OrderService };

/**
 * Builds the order service: its schema on the shared PostgreSQL, the saga over the product, inventory
 * and payment clients (in-process or HTTP, whichever the platform hands out), the recovery worker
 * and the outbox relay.
 */
export async function createOrdersService(context: ServiceContext<'postgres'>): Promise<OrdersModule> {
  const config = loadOrdersConfig(context.env);
  const storage = await openOrdersStorage(await context.postgres(), {
    logger: context.logger,
    publisher: context.bus,
  });
  const sagaStep = context.metrics?.histogram(
    'polyshop_saga_step_duration_seconds',
    'Attempts of a checkout saga step (orders), by step and outcome (done, or the failure: transient, refused …).',
    ['step', 'outcome'],
  );
  context.metrics?.gauge(
    'polyshop_saga_orders',
    'Checkout sagas not finished (orders), by saga state, and parked ones (state needs_attention); read from the orders store when scraped.',
    ['state'],
    async () => sagaCensus(await storage.repository.countUnfinishedSagas()),
  );
  const service = new OrderService({
    ...storage,
    ...(sagaStep ? { stepObserved: (step, outcome, seconds) => sagaStep({ step, outcome }, seconds) } : {}),
    catalog: context.client('products'),
    stock: new InventoryClientReservations(context.client('inventory')),
    payments: new PaymentsClientProcessor(context.client('payments')),
    customers: { findCustomer: (userId) => context.client('users').findUser(userId) },
    clock: context.clock,
    logger: context.logger,
    config,
  });
  return {
    service,
    client: localOrdersClient(service.deps.repository),
    routes: ordersRoutes(service.deps, context.authorizer, ORDERS_PREFIX),
    async start() {
      service.start();
    },
    async stop() {
      await service.stop();
    },
  };
}

/** Every unfinished state (0 when none is in it, so each series exists), then `needs_attention`. */
function sagaCensus({ inFlight, needsAttention }: UnfinishedSagas): [{ state: string }, number][] {
  return [
    ...SAGA_STATES.filter((state) => !isTerminal(state)).map((state): [{ state: string }, number] => [
      { state },
      inFlight[state] ?? 0,
    ]),
    [{ state: 'needs_attention' }, needsAttention],
  ];
}

declare module '@polyshop/http' {
  interface ServiceRegistry {
    orders: { client: OrdersClient; module: OrdersModule };
  }
}

/** How the platform creates the order service and reaches it from another process. */
export const definition: ServiceDefinition<'orders', 'postgres'> = {
  name: 'orders',
  prefix: ORDERS_PREFIX,
  defaultPort: 3005,
  stores: { variable: 'ORDER_STORE', supported: ['postgres'], polyglot: 'postgres' },
  needs: ['users', 'products', 'inventory', 'payments'],
  create: createOrdersService,
  httpClient: (baseUrl, context) => new OrdersHttpClient(baseUrl, { logger: context.logger }),
};
