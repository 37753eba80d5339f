import type { Category } from '../domain/category.ts';

/** A category as the API returns it: the category with ISO 8601 times. */
export type CategoryView = Omit<Category, 'createdAt' | 'updatedAt'> & {
  createdAt: string;
  updatedAt: string;
};

export function toCategoryView(category: Category): CategoryView {
  return {
    ...category,
    createdAt: category.createdAt.toISOString(),
    updatedAt: category.updatedAt.toISOString(),
  };
}
