import { newId } from '@polyshop/kernel';
import type { ProductsDeps } from '../app/products-deps.ts';
import { createCategory } from '../app/manage-categories.ts';
import { productEvent } from '../domain/products-events.ts';
import type { Category } from '../domain/category.ts';
import { buildProduct, type Product } from '../domain/product.ts';
import { DEMO_CATEGORIES } from './demo-categories.ts';
import { generateProducts } from './generate-products.ts';

export interface LoadCatalogueOptions {
  /** How many products to add. */
  products: number;
  /** The generator's seed: same seed, same catalogue. Default 42. */
  seed?: number;
  /** Products per insert (one transaction each). Default 1000. */
  batchSize?: number;
  /** Record `product.created` events (so the search service indexes them). Default true. */
  events?: boolean;
  /** Called after each batch with the products written so far. */
  onProgress?: (done: number, total: number) => void;
}

/** Creates the demo categories that are missing; returns all five. */
export async function ensureDemoCategories(deps: ProductsDeps): Promise<Map<string, Category>> {
  const categories = new Map<string, Category>();
  for (const input of DEMO_CATEGORIES) {
    const existing = await deps.repository.findCategory(input.slug);
    categories.set(input.slug, existing ?? (await createCategory(deps, input)));
  }
  return categories;
}

/**
 * Loads the deterministic demo catalogue in batches: the demo categories (if missing) and
 * `products` generated products, each validated against its category like any other write.
 * Products 0 … n-1 of the seed are written, so run it on an empty catalogue (slugs and SKUs of a
 * second run would collide: `PRODUCT.SLUG_TAKEN`).
 */
export async function loadCatalogue(
  deps: ProductsDeps,
  options: LoadCatalogueOptions,
): Promise<{ products: number }> {
  const seed = options.seed ?? 42;
  const batchSize = options.batchSize ?? 1000;
  const categories = await ensureDemoCategories(deps);
  let done = 0;
  while (done < options.products) {
    const count = Math.min(batchSize, options.products - done);
    const now = deps.clock.now();
    const products: Product[] = generateProducts(seed, count, done).map((input) =>
      buildProduct(input, categories.get(input.category)!, {
        id: newId(),
        version: 1,
        createdAt: now,
        updatedAt: now,
      }),
    );
    const events =
      options.events === false
        ? []
        : products.map((product) => productEvent('product.created', product, deps.clock));
    await deps.repository.createMany(products, events);
    deps.afterCommit?.();
    done += count;
    options.onProgress?.(done, options.products);
  }
  return { products: done };
}
