import { AppError } from '@polyshop/kernel';
import {
  newCategory,
  patchCategory,
  type Category,
  type CategoryPatch,
  type NewCategoryInput,
} from '../domain/category.ts';
import type { ProductsDeps } from './products-deps.ts';

export async function createCategory(deps: ProductsDeps, input: NewCategoryInput): Promise<Category> {
  const category = newCategory(input, deps.clock.now());
  await deps.repository.createCategory(category);
  deps.afterCommit?.();
  return category;
}

export async function listCategories(deps: ProductsDeps): Promise<Category[]> {
  return deps.repository.listCategories();
}

/** The category, or `not_found` `CATEGORY.NOT_FOUND`. */
export async function getCategory(deps: ProductsDeps, slug: string): Promise<Category> {
  const category = await deps.repository.findCategory(slug);
  if (!category) throw AppError.notFound('CATEGORY.NOT_FOUND', `No category ${slug}.`, { field: 'slug' });
  return category;
}

/**
 * Changes a category: attribute definitions are merged by name, and only changes that keep every
 * existing product valid are accepted (no migration, no product rewrite). `expectedVersion`, when
 * given (If-Match), must be the stored version.
 */
export async function updateCategory(
  deps: ProductsDeps,
  slug: string,
  patch: CategoryPatch,
  expectedVersion?: number,
): Promise<Category> {
  const current = await getCategory(deps, slug);
  if (expectedVersion !== undefined && expectedVersion !== current.version) {
    throw new AppError(
      'precondition_failed',
      'CATEGORY.VERSION_MISMATCH',
      `Category ${slug} is at version ${current.version}.`,
      { field: 'If-Match' },
    );
  }
  const updated = patchCategory(current, patch, deps.clock.now());
  await deps.repository.updateCategory(updated, current.version);
  deps.afterCommit?.();
  return updated;
}
