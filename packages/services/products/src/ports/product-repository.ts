import type { EventEnvelope } from '@polyshop/kernel';
import type { Category } from '../domain/category.ts';
import type { Product } from '../domain/product.ts';
import type { FacetCount, ProductSearch, SearchPosition } from '../domain/product-query.ts';

/** One page of a product search. */
export interface ProductPage {
  items: Product[];
  /** Where the next page starts; absent on the last page. */
  next?: SearchPosition;
  /** Value counts per requested facet, most frequent first (ties by value). */
  facets: Record<string, FacetCount[]>;
}

/** The same page with its products already rendered as the API's JSON. */
export interface RenderedProductPage extends Omit<ProductPage, 'items'> {
  /** The page's products as a JSON array of `ProductDocument`s (key order aside, what `toProductDocument` gives). */
  itemsJson: string;
}

/**
 * Where the catalogue lives: categories and product documents. Implemented on PostgreSQL (JSONB)
 * in Phase 1 and on MongoDB later, behind the same contract suite. Everything handed in is
 * already valid (the domain checked it); the repository keeps it, finds it and enforces what only
 * the store can: unique slugs and SKUs across the catalogue, and compare-and-set on `version`.
 * Writes that carry events record them atomically with the change (an outbox), so an event exists
 * if and only if its change does.
 */
export interface ProductRepository {
  /** Stores a new category. Throws `conflict` `CATEGORY.SLUG_TAKEN` when the slug exists. */
  createCategory(category: Category): Promise<void>;

  /** The category with this slug, if any. */
  findCategory(slug: string): Promise<Category | undefined>;

  /** Every category, by slug. */
  listCategories(): Promise<Category[]>;

  /**
   * Replaces a category if its stored version is still `expectedVersion`. Throws
   * `precondition_failed` `CATEGORY.VERSION_MISMATCH` otherwise, `not_found` when it is gone.
   */
  updateCategory(category: Category, expectedVersion: number): Promise<void>;

  /**
   * Stores a new product and its events. Throws `conflict` `PRODUCT.SLUG_TAKEN` (field `slug`) or
   * `PRODUCT.SKU_TAKEN` (field `variants.<i>.sku`) when another product holds the slug or a SKU.
   */
  create(product: Product, events: readonly EventEnvelope[]): Promise<void>;

  /**
   * Stores many new products and their events in one go (catalogue loads): all or nothing, same conflicts as
   * `create`.
   */
  createMany(products: readonly Product[], events: readonly EventEnvelope[]): Promise<void>;

  /** The product with this id, whatever its status. */
  findById(id: string): Promise<Product | undefined>;

  /**
   * Replaces a product (same id) if its stored version is still `expectedVersion`, and records the
   * events. Throws `precondition_failed` `PRODUCT.VERSION_MISMATCH` when it changed meanwhile,
   * `not_found` `PRODUCT.NOT_FOUND` when it does not exist, and the conflicts of `create`.
   */
  update(product: Product, expectedVersion: number, events: readonly EventEnvelope[]): Promise<void>;

  /**
   * One page of products matching `search.filter`, in `search.sort` order (ties broken by id),
   * starting strictly after `search.after`; plus the requested facet counts over the whole
   * filtered set (each facet ignoring its own attribute's filter).
   */
  search(search: ProductSearch): Promise<ProductPage>;

  /**
   * `search`, with the page's products rendered as JSON: the listing's path, where a store that can
   * render them itself spares the process parsing them and serialising them again.
   */
  searchJson(search: ProductSearch): Promise<RenderedProductPage>;

  /** The products that hold any of these SKUs (each product once); unknown SKUs are simply absent. */
  findBySkus(skus: readonly string[]): Promise<Product[]>;

  /** How many products the catalogue holds (every status). */
  count(): Promise<number>;
}
