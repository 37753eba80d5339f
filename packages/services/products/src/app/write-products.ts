import { AppError, newId } from '@polyshop/kernel';
import type { Category } from '../domain/category.ts';
import {
  buildProduct,
  patchProduct,
  type Product,
  type ProductInput,
  type ProductPatch,
} from '../domain/product.ts';
import type { ProductsDeps } from './products-deps.ts';
import { productEvent } from '../domain/products-events.ts';

/** The product's category, or a 400 naming `category` (an unknown category is bad input here). */
async function categoryFor(deps: ProductsDeps, slug: unknown): Promise<Category> {
  const category = typeof slug === 'string' ? await deps.repository.findCategory(slug) : undefined;
  if (!category)
    throw AppError.invalidInput('PRODUCT.UNKNOWN_CATEGORY', `No category "${String(slug)}".`, {
      field: 'category',
    });
  return category;
}

/** Validates against the category, stores, and records `product.created`. */
export async function createProduct(deps: ProductsDeps, input: ProductInput): Promise<Product> {
  const category = await categoryFor(deps, input.category);
  const now = deps.clock.now();
  const product = buildProduct(input, category, { id: newId(), version: 1, createdAt: now, updatedAt: now });
  await deps.repository.create(product, [productEvent('product.created', product, deps.clock)]);
  deps.afterCommit?.();
  return product;
}

/** The product, whatever its status, or `not_found` `PRODUCT.NOT_FOUND`. */
export async function getProduct(deps: ProductsDeps, id: string): Promise<Product> {
  const product = await deps.repository.findById(id);
  if (!product) throw AppError.notFound('PRODUCT.NOT_FOUND', `No product ${id}.`, { field: 'id' });
  return product;
}

function requireVersion(product: Product, expectedVersion: number): void {
  if (product.version !== expectedVersion) {
    throw new AppError(
      'precondition_failed',
      'PRODUCT.VERSION_MISMATCH',
      `Product ${product.id} is at version ${product.version}, not ${expectedVersion}.`,
      {
        field: 'If-Match',
        details: { currentVersion: product.version },
      },
    );
  }
}

/**
 * Applies a patch if the product is still at `expectedVersion` (optimistic concurrency: a stale
 * version, or a concurrent change between read and write, is `precondition_failed`). `'any'`
 * (If-Match: *) accepts the version read here; the write is still a compare-and-set on it.
 */
export async function updateProduct(
  deps: ProductsDeps,
  id: string,
  patch: ProductPatch,
  expectedVersion: number | 'any',
): Promise<Product> {
  const current = await getProduct(deps, id);
  if (expectedVersion !== 'any') requireVersion(current, expectedVersion);
  const category =
    patch.category === undefined
      ? await categoryFor(deps, current.category)
      : await categoryFor(deps, patch.category);
  const updated = patchProduct(current, patch, category, deps.clock.now());
  const type =
    updated.status === 'archived' && current.status !== 'archived' ? 'product.archived' : 'product.updated';
  await deps.repository.update(updated, current.version, [productEvent(type, updated, deps.clock)]);
  deps.afterCommit?.();
  return updated;
}

/** Archives a product (DELETE): kept for order history, hidden from the default listing. Idempotent. */
export async function archiveProduct(
  deps: ProductsDeps,
  id: string,
  expectedVersion?: number,
): Promise<Product> {
  const current = await getProduct(deps, id);
  if (expectedVersion !== undefined) requireVersion(current, expectedVersion);
  if (current.status === 'archived') return current;
  const archived: Product = {
    ...current,
    status: 'archived',
    version: current.version + 1,
    updatedAt: deps.clock.now(),
  };
  await deps.repository.update(archived, current.version, [
    productEvent('product.archived', archived, deps.clock),
  ]);
  deps.afterCommit?.();
  return archived;
}
