import {
  DynamoInventorySide,
  ensureInventoryTable,
  InventoryConfigSchema,
  migrateInventory,
  PostgresInventorySide,
} from '@polyshop/inventory';
import { AppError, loadConfig } from '@polyshop/kernel';
import type { MigrationSide, MigrationSides, MigrationState } from '@polyshop/migration';
import {
  migrateNotifications,
  MongoNotificationRepository,
  MongoNotificationSide,
  PostgresNotificationSide,
} from '@polyshop/notifications';
import {
  migrateCatalog,
  MongoCatalogSide,
  MongoProductRepository,
  PostgresCatalogSide,
} from '@polyshop/products';
import {
  loadSearchConfig,
  migrateSearchSchema,
  OpenSearchSearchSide,
  PostgresSearchSide,
} from '@polyshop/search';
import type { DynamoConnection, MongoConnection, OpenSearchConnection, SqlDatabase } from '@polyshop/stores';

/** The platform's store connections a side opens on (each opened on first use and shared). */
export interface SideConnections {
  /** The platform's PostgreSQL (PGlite or `DATABASE_URL`). */
  postgres: () => Promise<SqlDatabase>;
  /** The `MONGODB_URL` connection (a 400 naming `MONGODB_URL` when it is not set). */
  mongodb: () => Promise<MongoConnection>;
  /** The `OPENSEARCH_URL` connection (a 400 naming `OPENSEARCH_URL` when it is not set or not given). */
  opensearch?: () => OpenSearchConnection;
  /** The `DYNAMODB_ENDPOINT` / `DYNAMODB_REGION` connection (a 400 when it is not given). */
  dynamodb?: () => DynamoConnection;
  /** The services' variables (e.g. `SEARCH_OPENSEARCH_INDEX_PREFIX`); default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Opens a service's data on one store as the engine sees it, the store's schema or indexes made first. */
export type SideOpener = (connections: SideConnections) => Promise<MigrationSide>;

/** Per migratable service, per store it can run on, how to open its side. */
export type SideRegistry = Readonly<Record<string, Readonly<Record<string, SideOpener>>>>;

/**
 * The services that can move between stores, and their stores. A service that becomes migratable
 * (inventory → DynamoDB, notifications → MongoDB) adds its entry here, with the connection it needs
 * added to `SideConnections`. Search's index moves between PostgreSQL and OpenSearch (its sides also
 * compare a sample of queries in verify). Notifications move between PostgreSQL and MongoDB with their
 * templates, preferences, recipient projection and delivery log (claims and leases included).
 * Inventory moves between PostgreSQL and DynamoDB with its stock (by version, as absolute counts),
 * reservations (forward in status only) and adjustment history.
 */
export const MIGRATABLE_SERVICES: SideRegistry = {
  products: {
    async postgres({ postgres }) {
      const db = await postgres();
      await migrateCatalog(db);
      return new PostgresCatalogSide(db);
    },
    async mongodb({ mongodb }) {
      const connection = await mongodb();
      await new MongoProductRepository(connection).ensureIndexes();
      return new MongoCatalogSide(connection);
    },
  },
  notifications: {
    async postgres({ postgres }) {
      const db = await postgres();
      await migrateNotifications(db);
      return new PostgresNotificationSide(db);
    },
    async mongodb({ mongodb }) {
      const connection = await mongodb();
      await new MongoNotificationRepository(connection).ensureIndexes();
      return new MongoNotificationSide(connection);
    },
  },
  inventory: {
    async postgres({ postgres }) {
      const db = await postgres();
      await migrateInventory(db);
      return new PostgresInventorySide(db);
    },
    async dynamodb({ dynamodb, env }) {
      if (!dynamodb) {
        throw AppError.invalidInput(
          'CONFIG.MISSING',
          'A DynamoDB connection is required: inventory is moving to or from DynamoDB.',
          { field: 'DYNAMODB_ENDPOINT' },
        );
      }
      const { client, documents } = dynamodb();
      const tableName = loadConfig(InventoryConfigSchema, env ?? process.env).INVENTORY_DYNAMODB_TABLE;
      await ensureInventoryTable(client, tableName);
      return new DynamoInventorySide(documents, tableName);
    },
  },
  search: {
    async postgres({ postgres }) {
      const db = await postgres();
      await migrateSearchSchema(db);
      return new PostgresSearchSide(db);
    },
    async opensearch({ opensearch, env }) {
      if (!opensearch) {
        throw AppError.invalidInput(
          'CONFIG.MISSING',
          'OPENSEARCH_URL is required: search is moving to or from OpenSearch.',
          { field: 'OPENSEARCH_URL' },
        );
      }
      const prefix = loadSearchConfig(env ?? process.env).SEARCH_OPENSEARCH_INDEX_PREFIX;
      return OpenSearchSearchSide.open(opensearch().client, prefix);
    },
  },
};

/** The sides of the migratable services over one set of connections (the CLI's, or the running platform's). */
export interface MigrationSideCatalog {
  /** The services that can migrate, by name. */
  services(): string[];
  /** Whether `service` can migrate. */
  has(service: string): boolean;
  /** The stores `service` can run on (a 400 naming `service` for a service that cannot migrate). */
  stores(service: string): string[];
  /**
   * The side of `service` on `store`: a 400 naming `service` for a service that cannot migrate, and
   * one naming `field` (default `to`) for a store it cannot run on.
   */
  side(service: string, store: string, field?: string): Promise<MigrationSide>;
  /** Both sides of a migration, its from and to stores. */
  sidesOf(migration: Pick<MigrationState, 'service' | 'fromStore' | 'toStore'>): Promise<MigrationSides>;
}

/** The sides of `registry`'s services (default: every migratable service) over `connections`. */
export function createMigrationSides(
  connections: SideConnections,
  registry: SideRegistry = MIGRATABLE_SERVICES,
): MigrationSideCatalog {
  const storesOf = (service: string) => {
    const stores = Object.hasOwn(registry, service) ? registry[service] : undefined;
    if (!stores) {
      throw AppError.invalidInput(
        'MIGRATION.UNKNOWN_SERVICE',
        `${service} cannot migrate between stores; services that can: ${Object.keys(registry).join(', ')}.`,
        { field: 'service' },
      );
    }
    return stores;
  };
  const side = async (service: string, store: string, field = 'to') => {
    const stores = storesOf(service);
    const open = Object.hasOwn(stores, store) ? stores[store] : undefined;
    if (!open) {
      throw AppError.invalidInput(
        'MIGRATION.UNKNOWN_STORE',
        `${service} cannot run on "${store}"; its stores: ${Object.keys(stores).join(', ')}.`,
        { field },
      );
    }
    return open(connections);
  };
  return {
    services: () => Object.keys(registry),
    has: (service) => Object.hasOwn(registry, service),
    stores: (service) => Object.keys(storesOf(service)),
    side,
    async sidesOf(migration) {
      return {
        from: await side(migration.service, migration.fromStore, 'from'),
        to: await side(migration.service, migration.toStore, 'to'),
      };
    },
  };
}

/**
 * The store a service runs on now: after a migration, its `finished` (or `cleanup`) to store, or its
 * from store after a rollback (`idle`) or while one is under way; without any, the configured store.
 */
export function currentStore(migration: MigrationState | undefined, configured: string): string {
  if (!migration) return configured;
  return migration.phase === 'finished' || migration.phase === 'cleanup'
    ? migration.toStore
    : migration.fromStore;
}
