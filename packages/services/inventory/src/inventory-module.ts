import { fileURLToPath } from 'node:url';
import { loadConfig } from '@polyshop/kernel';
import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import { migrate, OutboxRelay } from '@polyshop/stores';
import { INVENTORY_SCHEMA, PostgresInventoryRepository } from './adapters/postgres/postgres-inventory-repository.ts';
import type { InventoryDeps } from './app/inventory-deps.ts';
import { ReservationReaper } from './app/reservation-reaper.ts';
import { inventoryRoutes } from './http/inventory-routes.ts';
import { InventoryConfigSchema } from './inventory-config.ts';
import { InventoryHttpClient, localInventoryClient, type InventoryClient } from './inventory-client.ts';

const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));

/** The running inventory service; `reaper.runOnce()` expires due reservations now (tests, CLI). */
export type InventoryModule = ServiceModule<InventoryClient> & { deps: InventoryDeps; reaper: ReservationReaper };

/** Builds inventory on PostgreSQL (schema `inventory`): migrations, repository, routes, outbox relay, reaper. */
export async function createInventoryService(context: ServiceContext): Promise<InventoryModule> {
  const config = loadConfig(InventoryConfigSchema, context.env);
  const db = await context.postgres();
  await migrate(db, { schema: INVENTORY_SCHEMA, directory: MIGRATIONS });
  const relay = new OutboxRelay({ db, schema: INVENTORY_SCHEMA, publisher: context.bus, logger: context.logger });
  const repository = new PostgresInventoryRepository(db, {
    onTransientRetry: (error, attempt) => context.logger.warn({ err: error, attempt }, 'inventory write retried after a transient failure'),
  });
  const deps: InventoryDeps = {
    repository,
    clock: context.clock,
    lowStockThreshold: config.INVENTORY_LOW_STOCK_THRESHOLD,
    eventsRecorded: () => relay.wake(),
  };
  const reaper = new ReservationReaper({ deps, logger: context.logger, intervalMs: config.INVENTORY_REAPER_INTERVAL_MS });
  return {
    name: 'inventory',
    prefix: '/inventory',
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
    async ready() {
      await db.ping();
    },
  };
}

/** How the platform creates the inventory service and reaches it from another process. */
export const definition: ServiceDefinition<InventoryClient> = {
  name: 'inventory',
  needs: ['users'],
  create: createInventoryService,
  httpClient: (baseUrl, context) => new InventoryHttpClient(baseUrl, { logger: context.logger }),
};
