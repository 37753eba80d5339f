import { loadConfig } from '@polyshop/kernel';
import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import { MovableStores } from '@polyshop/migration';
import {
  RoutedInventoryRepository,
  RoutedStockSharding,
  type OpenInventoryStore,
} from './adapters/migration/routed-inventory-repository.ts';
import type { InventoryDeps } from './app/inventory-deps.ts';
import { ReservationReaper } from './app/reservation-reaper.ts';
import { inventoryRoutes } from './http/inventory-routes.ts';
import { InventoryConfigSchema } from './app/inventory-config.ts';
import { InventoryHttpClient, localInventoryClient, type InventoryClient } from './inventory-client.ts';
import { openInventoryStorage, type InventoryStore } from './inventory-storage.ts';

/** The engine's name for the service (`polyshop migrate-store inventory`). */
export const MIGRATION_SERVICE = 'inventory';

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
  // Routed by the migration engine (issue 14): with no move only the configured store is open; while
  // inventory moves between PostgreSQL and DynamoDB, every write goes to the phase's source of truth
  // (its own outbox and relay) and the stock, reservations and history it touched are copied to the
  // other store by version; reads go where the phase says; the reaper asks the source of truth only.
  const stores = await MovableStores.open<OpenInventoryStore>({
    service: MIGRATION_SERVICE,
    control: await context.postgres(),
    configuredStore: context.store,
    openStore: async (store): Promise<OpenInventoryStore> => {
      const storage = await openInventoryStorage(context, config, store);
      return {
        repository: storage.repository,
        sharding: storage.sharding,
        side: storage.side,
        relay: storage.relay,
        ping: storage.ready,
      };
    },
    subscribe: (subscription) => context.bus.subscribe(subscription),
    logger: context.logger,
  });
  const repository = new RoutedInventoryRepository(stores);
  const reservations = context.metrics?.counter(
    'polyshop_inventory_reservations_total',
    'Stock reservations by outcome: reserved, replayed, insufficient_stock (the conditional write refused), mismatch.',
    ['outcome'],
  );
  const deps: InventoryDeps = {
    ...(reservations ? { reservationSettled: (outcome) => reservations({ outcome }) } : {}),
    repository,
    // sharded counters where the service is configured on a store that has them (DynamoDB)
    sharding: stores.store(context.store).sharding ? new RoutedStockSharding(repository) : undefined,
    clock: context.clock,
    lowStockThreshold: config.INVENTORY_LOW_STOCK_THRESHOLD,
    eventsRecorded: () => stores.wake(),
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
      await stores.start();
      reaper.start();
    },
    async stop() {
      await reaper.stop();
      await stores.stop();
    },
    ready: () => stores.ping(),
    stores: () => stores.describe(),
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
