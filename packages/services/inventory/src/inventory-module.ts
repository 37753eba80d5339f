import { loadConfig } from '@polyshop/kernel';
import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import type { InventoryDeps } from './app/inventory-deps.ts';
import { ReservationReaper } from './app/reservation-reaper.ts';
import { inventoryRoutes } from './http/inventory-routes.ts';
import { InventoryConfigSchema } from './app/inventory-config.ts';
import { InventoryHttpClient, localInventoryClient, type InventoryClient } from './inventory-client.ts';
import { openInventoryStorage, type InventoryStore } from './inventory-storage.ts';

/** The running inventory service; `reaper.runOnce()` expires due reservations now (tests, CLI). */
export type InventoryModule = ServiceModule<InventoryClient> & {
  deps: InventoryDeps;
  reaper: ReservationReaper;
};

/**
 * Builds inventory on its store (PostgreSQL or DynamoDB, see `openInventoryStorage`): repository, routes,
 * outbox relay, reaper.
 */
export async function createInventoryService(
  context: ServiceContext<InventoryStore>,
): Promise<InventoryModule> {
  const config = loadConfig(InventoryConfigSchema, context.env);
  const { repository, sharding, relay, ready } = await openInventoryStorage(context, config);
  const deps: InventoryDeps = {
    repository,
    sharding,
    clock: context.clock,
    lowStockThreshold: config.INVENTORY_LOW_STOCK_THRESHOLD,
    eventsRecorded: () => relay.wake(),
  };
  const reaper = new ReservationReaper({
    deps,
    logger: context.logger,
    intervalMs: config.INVENTORY_REAPER_INTERVAL_MS,
  });
  return {
    client: localInventoryClient(deps),
    deps,
    reaper,
    routes: inventoryRoutes(deps, context.authorizer),
    async start() {
      relay.start();
      reaper.start();
    },
    async stop() {
      await reaper.stop();
      await relay.stop();
    },
    ready,
  };
}

declare module '@polyshop/http' {
  interface ServiceRegistry {
    inventory: { client: InventoryClient; module: InventoryModule };
  }
}

/** How the platform creates the inventory service and reaches it from another process. */
export const definition: ServiceDefinition<'inventory', InventoryStore> = {
  name: 'inventory',
  prefix: '/inventory',
  defaultPort: 3003,
  stores: { variable: 'INVENTORY_STORE', supported: ['postgres', 'dynamodb'], polyglot: 'dynamodb' },
  needs: ['users'],
  create: createInventoryService,
  httpClient: (baseUrl, context) => new InventoryHttpClient(baseUrl, { logger: context.logger }),
};
