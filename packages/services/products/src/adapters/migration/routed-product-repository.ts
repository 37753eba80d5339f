import type { EventEnvelope } from '@polyshop/kernel';
import type { ServiceRouting } from '@polyshop/migration';
import type { Category } from '../../domain/category.ts';
import type { Product } from '../../domain/product.ts';
import type { ProductSearch } from '../../domain/product-query.ts';
import type { ProductPage, ProductRepository, RenderedProductPage } from '../../ports/product-repository.ts';
import type { CatalogKind } from './catalog-migration-kinds.ts';

/** What the routed repository asks of the migration engine, per write and per read. */
export interface CatalogRoute {
  /**
   * Starts a write: rejects (503) when this process cannot be sure of the phase; else the routing the
   * whole write follows, and `end` to call when it is done (the engine acknowledges a new phase only
   * once the writes begun under the old one have ended). `WriteGate` is one.
   */
  begin(): Promise<{ routing: ServiceRouting; end(): void }>;
  /** The routing now (reads follow its `reads`). */
  routing(): ServiceRouting;
  /**
   * Copies these keys from the primary store to the mirror after a primary write. A failure goes to
   * the repair log, and verify reports it until repaired; rejects (503) only when that log cannot be
   * written either.
   */
  mirror(routing: ServiceRouting, kind: CatalogKind, keys: readonly string[]): Promise<void>;
}

/** The store a routing names for `which` end of the move. */
export function storeOf(routing: ServiceRouting, which: 'from' | 'to'): string {
  return which === 'from' ? routing.fromStore : routing.toStore;
}

/**
 * The catalogue's repository while it moves between two stores (`from` and `to`): each write goes to
 * the source of truth of the current phase — whose repository records the events in its outbox, so
 * each change is published once, by one store — and is then copied to the other store by key;
 * reads go where the phase says. With no migration under way the route names `from` for everything
 * and nothing is mirrored.
 */
export class RoutedProductRepository implements ProductRepository {
  readonly #repositoryOf: (store: string) => ProductRepository;
  readonly #route: CatalogRoute;

  /** `repositoryOf` gives the repository of a store the route names (it is open by then). */
  constructor(repositoryOf: (store: string) => ProductRepository, route: CatalogRoute) {
    this.#repositoryOf = repositoryOf;
    this.#route = route;
  }

  createCategory(category: Category): Promise<void> {
    return this.#write('categories', [category.slug], (store) => store.createCategory(category));
  }

  findCategory(slug: string): Promise<Category | undefined> {
    return this.#reader().findCategory(slug);
  }

  listCategories(): Promise<Category[]> {
    return this.#reader().listCategories();
  }

  updateCategory(category: Category, expectedVersion: number): Promise<void> {
    return this.#write('categories', [category.slug], (store) =>
      store.updateCategory(category, expectedVersion),
    );
  }

  create(product: Product, events: readonly EventEnvelope[]): Promise<void> {
    return this.#write('products', [product.id], (store) => store.create(product, events));
  }

  createMany(products: readonly Product[], events: readonly EventEnvelope[]): Promise<void> {
    return this.#write(
      'products',
      products.map((product) => product.id),
      (store) => store.createMany(products, events),
    );
  }

  findById(id: string): Promise<Product | undefined> {
    return this.#reader().findById(id);
  }

  update(product: Product, expectedVersion: number, events: readonly EventEnvelope[]): Promise<void> {
    return this.#write('products', [product.id], (store) => store.update(product, expectedVersion, events));
  }

  search(search: ProductSearch): Promise<ProductPage> {
    return this.#reader().search(search);
  }

  searchJson(search: ProductSearch): Promise<RenderedProductPage> {
    return this.#reader().searchJson(search);
  }

  findBySkus(skus: readonly string[]): Promise<Product[]> {
    return this.#reader().findBySkus(skus);
  }

  count(): Promise<number> {
    return this.#reader().count();
  }

  #reader(): ProductRepository {
    const routing = this.#route.routing();
    return this.#repositoryOf(storeOf(routing, routing.reads));
  }

  /** The write on the primary store, then (when it succeeded) the copy of its keys to the mirror. */
  async #write(
    kind: CatalogKind,
    keys: readonly string[],
    write: (store: ProductRepository) => Promise<void>,
  ): Promise<void> {
    const pinned = await this.#route.begin();
    const { routing } = pinned;
    try {
      await write(this.#repositoryOf(storeOf(routing, routing.primary)));
      if (routing.mirror) await this.#route.mirror(routing, kind, keys);
    } finally {
      pinned.end();
    }
  }
}
