import type { ServiceContext } from '@polyshop/http';
import { MovableStores, type MigrationRouter, type MovableStore } from '@polyshop/migration';
import { OutboxRelay } from '@polyshop/stores';
import { MongoCatalogSide } from './adapters/migration/mongo-catalog-side.ts';
import { PostgresCatalogSide } from './adapters/migration/postgres-catalog-side.ts';
import { RoutedProductRepository } from './adapters/migration/routed-product-repository.ts';
import { openMongoCatalog } from './adapters/mongodb/open-mongo-catalog.ts';
import { SCHEMA } from './adapters/postgres/catalog-rows.ts';
import {
  migrateCatalog,
  PostgresProductRepository,
} from './adapters/postgres/postgres-product-repository.ts';
import type { ProductRepository } from './ports/product-repository.ts';

/** The migration engine's name for this service. */
export const MIGRATION_SERVICE = 'products';

/** The catalog's stores (a store may be opened later, when a migration names it). */
export type ProductsStore = 'postgres' | 'mongodb';

/** One store of the catalogue, open: its repository, its outbox relay, its migration side. */
interface OpenCatalogStore extends MovableStore {
  repository: ProductRepository;
  relay: { start(): void; stop(): Promise<void>; wake(): void };
}

/** The catalog on PostgreSQL (schema `catalog`): migrations, repository, outbox relay, side. */
async function openPostgresStore(context: ServiceContext<ProductsStore>): Promise<OpenCatalogStore> {
  const db = await context.postgres();
  await migrateCatalog(db);
  const relay = new OutboxRelay({ db, schema: SCHEMA, publisher: context.bus, logger: context.logger });
  return {
    repository: new PostgresProductRepository(db),
    relay,
    side: new PostgresCatalogSide(db),
    ping: () => db.ping(),
  };
}

async function openMongoStore(context: ServiceContext<ProductsStore>): Promise<OpenCatalogStore> {
  const { repository, relay, ping } = await openMongoCatalog(context);
  return { repository, relay, side: new MongoCatalogSide(await context.mongodb()), ping };
}

function openCatalogStore(context: ServiceContext<ProductsStore>, store: string): Promise<OpenCatalogStore> {
  if (store === 'mongodb') return openMongoStore(context);
  if (store === 'postgres') return openPostgresStore(context);
  return Promise.reject(new Error(`the catalogue cannot run on ${store}`));
}

/**
 * The catalogue's stores, routed by the migration engine (issue 13) through `MovableStores`: with no
 * migration of `products` only the configured store is open; when a migration names another store it
 * is opened as this process learns of the phase, both stores' relays publish their own outboxes, and
 * `repository` writes to the phase's source of truth and copies to the other store, reads where the
 * phase says, and holds writes through a cut-over. The phase comes from the control store in the
 * platform's PostgreSQL.
 */
export class CatalogStores {
  readonly repository: ProductRepository;
  readonly #stores: MovableStores<OpenCatalogStore>;

  private constructor(stores: MovableStores<OpenCatalogStore>) {
    this.#stores = stores;
    this.repository = new RoutedProductRepository((store) => stores.store(store).repository, {
      begin: () => stores.begin(),
      routing: () => stores.routing(),
      mirror: async (routing, kind, keys) => void (await stores.mirror(routing, kind, keys)),
    });
  }

  /** Opens the configured store and the control store, and reads the current phase. */
  static async open(context: ServiceContext<ProductsStore>): Promise<CatalogStores> {
    const stores = await MovableStores.openFor<OpenCatalogStore>(context, MIGRATION_SERVICE, (store) =>
      openCatalogStore(context, store),
    );
    return new CatalogStores(stores);
  }

  get router(): MigrationRouter {
    return this.#stores.router;
  }

  /** Subscribes the router to phase changes and starts every open store's relay. */
  start(): Promise<void> {
    return this.#stores.start();
  }

  /** Publishes now: after a commit that recorded events. */
  wake(): void {
    this.#stores.wake();
  }

  stop(): Promise<void> {
    return this.#stores.stop();
  }

  /** Rejects when a store the current routing names is unreachable. */
  ping(): Promise<void> {
    return this.#stores.ping();
  }

  /** The stores reads and writes go to now (`/readyz`). */
  describe(): { phase: string; reads: string; writes: string; mirror: string | undefined } {
    return this.#stores.describe();
  }
}
