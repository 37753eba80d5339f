import type { ServiceContext } from '@polyshop/http';
import {
  MigrationRouter,
  MigrationStateStore,
  Mirror,
  phaseChangeSubscription,
  WriteGate,
  type MigrationSide,
  type ServiceRouting,
} from '@polyshop/migration';
import { OutboxRelay } from '@polyshop/stores';
import { MongoCatalogSide } from './adapters/migration/mongo-catalog-side.ts';
import { PostgresCatalogSide } from './adapters/migration/postgres-catalog-side.ts';
import {
  RoutedProductRepository,
  storeOf,
  type CatalogRoute,
} from './adapters/migration/routed-product-repository.ts';
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
interface OpenCatalogStore {
  repository: ProductRepository;
  relay: { start(): void; stop(): Promise<void>; wake(): void };
  side: MigrationSide;
  ping(): Promise<void>;
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

function isProductsStore(store: string): store is ProductsStore {
  return store === 'postgres' || store === 'mongodb';
}

/**
 * The catalogue's stores, routed by the migration engine (issue 13). With no migration of `products`
 * only the configured store is open and everything goes to it. When a migration names another store,
 * it is opened as this process learns of the phase (before any write can follow it), both stores'
 * relays publish their own outboxes, and `repository` writes to the phase's source of truth and
 * copies to the other store, reads where the phase says, and holds writes through a cut-over
 * (`WriteGate`). The phase comes from the control store in the platform's PostgreSQL.
 */
export class CatalogStores {
  readonly repository: ProductRepository;
  readonly router: MigrationRouter;
  readonly #context: ServiceContext<ProductsStore>;
  readonly #state: MigrationStateStore;
  readonly #open = new Map<string, Promise<OpenCatalogStore>>();
  readonly #opened = new Map<string, OpenCatalogStore>();
  readonly #gate: WriteGate;
  #started = false;

  private constructor(context: ServiceContext<ProductsStore>, state: MigrationStateStore) {
    this.#context = context;
    this.#state = state;
    this.router = new MigrationRouter({
      state,
      service: MIGRATION_SERVICE,
      configuredStore: context.store,
      logger: context.logger,
    });
    // before a new routing applies, the stores it names are open
    this.router.onChange(async (next) => {
      await Promise.all([this.#openStore(next.fromStore), this.#openStore(next.toStore)]);
    });
    this.#gate = new WriteGate({ router: this.router, state, service: MIGRATION_SERVICE });
    const route: CatalogRoute = {
      begin: () => this.#gate.begin(),
      routing: () => this.#gate.routing(),
      mirror: async (routing, kind, keys) => void (await this.#mirror(routing).copy(kind, keys)),
    };
    this.repository = new RoutedProductRepository((store) => this.#store(store).repository, route);
  }

  /** Opens the configured store and the control store, and reads the current phase. */
  static async open(context: ServiceContext<ProductsStore>): Promise<CatalogStores> {
    const db = await context.postgres();
    await MigrationStateStore.migrate(db);
    const stores = new CatalogStores(context, new MigrationStateStore(db));
    await stores.#openStore(context.store);
    await stores.router.start();
    return stores;
  }

  /**
   * Has the router refresh on every `migration.phase_changed` event of the catalogue (its poll stays
   * the fallback), and starts every open store's relay (and those of stores opened later).
   */
  async start(): Promise<void> {
    await this.#context.bus.subscribe(phaseChangeSubscription(this.router));
    this.#started = true;
    for (const store of this.#opened.values()) store.relay.start();
  }

  /** Publishes now: after a commit that recorded events. */
  wake(): void {
    for (const store of this.#opened.values()) store.relay.wake();
  }

  async stop(): Promise<void> {
    this.#gate.close();
    await this.router.stop();
    await Promise.all([...this.#opened.values()].map((store) => store.relay.stop()));
  }

  /** Rejects when a store the current routing names is unreachable. */
  async ping(): Promise<void> {
    const routing = this.router.routing();
    await Promise.all(
      [...new Set([routing.fromStore, routing.toStore])].map((store) => this.#store(store).ping()),
    );
  }

  /** The stores reads and writes go to now (`/readyz`). */
  describe(): { phase: string; reads: string; writes: string; mirror: string | undefined } {
    const routing = this.router.routing();
    return {
      phase: routing.phase,
      reads: storeOf(routing, routing.reads),
      writes: storeOf(routing, routing.primary),
      mirror: routing.mirror && storeOf(routing, routing.mirror),
    };
  }

  #store(store: string): OpenCatalogStore {
    const opened = this.#opened.get(store);
    if (!opened) throw new Error(`the catalogue's ${store} store is not open`);
    return opened;
  }

  #mirror(routing: ServiceRouting): Mirror {
    return new Mirror({
      state: this.#state,
      service: MIGRATION_SERVICE,
      primary: this.#store(storeOf(routing, routing.primary)).side,
      mirror: this.#store(storeOf(routing, routing.mirror!)).side,
      logger: this.#context.logger,
    });
  }

  async #openStore(store: string): Promise<void> {
    if (!isProductsStore(store)) throw new Error(`the catalogue cannot run on ${store}`);
    let opening = this.#open.get(store);
    if (!opening) {
      opening = store === 'mongodb' ? openMongoStore(this.#context) : openPostgresStore(this.#context);
      this.#open.set(store, opening);
      opening.catch(() => this.#open.delete(store));
    }
    const opened = await opening;
    if (!this.#opened.has(store)) {
      this.#opened.set(store, opened);
      if (this.#started) opened.relay.start();
    }
  }
}
