import { AppError } from '@polyshop/kernel';
import { encodeCursor } from '../domain/cursor.ts';
import { parseProductSearch, type RawQuery } from '../domain/parse-product-search.ts';
import { toProductDocument, type ProductDocument, type ProductStatus } from '../domain/product.ts';
import type { FacetCount, ProductSearch, SearchPosition } from '../domain/product-query.ts';
import { variantSnapshots, type VariantSnapshot } from '../domain/variant-snapshot.ts';
import type { ProductsDeps } from './products-deps.ts';

/** A page of `GET /products`. */
export interface ProductListing {
  items: ProductDocument[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /** For each facet attribute of the category: values and how many filtered products have them. */
  facets: Record<string, FacetCount[]>;
}

/** Runs `GET /products`: resolves the category, parses and checks every filter, searches. */
export async function searchProducts(deps: ProductsDeps, raw: RawQuery): Promise<ProductListing> {
  const search = await parseSearch(deps, raw);
  const page = await deps.repository.search(search);
  return {
    items: page.items.map(toProductDocument),
    nextCursor: cursorAfter(search, page),
    facets: page.facets,
  };
}

/**
 * `searchProducts` as the listing's JSON text, the products rendered by the store: what the route
 * sends (and caches) without building the documents in this process.
 */
export async function searchProductsJson(deps: ProductsDeps, raw: RawQuery): Promise<string> {
  const search = await parseSearch(deps, raw);
  const page = await deps.repository.searchJson(search);
  const nextCursor = JSON.stringify(cursorAfter(search, page));
  return `{"items":${page.itemsJson},"nextCursor":${nextCursor},"facets":${JSON.stringify(page.facets)}}`;
}

/** The search `GET /products` asks for: its category resolved, every filter parsed and checked. */
async function parseSearch(deps: ProductsDeps, raw: RawQuery): Promise<ProductSearch> {
  const slug = raw.category;
  if (Array.isArray(slug))
    throw AppError.invalidInput('PRODUCT.INVALID_FILTER_VALUE', 'category is given more than once.', {
      field: 'category',
    });
  let category;
  if (slug !== undefined && slug !== '') {
    category = await deps.repository.findCategory(slug);
    if (!category)
      throw AppError.invalidInput('PRODUCT.UNKNOWN_CATEGORY', `No category "${slug}".`, {
        field: 'category',
      });
  }
  return parseProductSearch(raw, category);
}

function cursorAfter(search: ProductSearch, page: { next?: SearchPosition }): string | null {
  return page.next ? encodeCursor(search.sort, page.next) : null;
}

/**
 * The whole catalogue (every status unless `statuses` says otherwise) in a stable order, oldest
 * first: what a consumer rebuilding its copy (the search index) walks page by page.
 */
export async function listProducts(
  deps: ProductsDeps,
  options: { cursor?: string | null; limit?: number; statuses?: ProductStatus[] },
): Promise<{ items: ProductDocument[]; nextCursor: string | null }> {
  const raw: RawQuery = {
    sort: 'createdAt',
    status: (options.statuses ?? ['draft', 'active', 'archived']).join(','),
  };
  if (options.cursor) raw.cursor = options.cursor;
  if (options.limit !== undefined) raw.limit = String(options.limit);
  const { items, nextCursor } = await searchProducts(deps, raw);
  return { items, nextCursor };
}

/** Snapshots of these SKUs (unknown ones absent), for the order service. */
export async function findVariants(deps: ProductsDeps, skus: readonly string[]): Promise<VariantSnapshot[]> {
  const unique = [...new Set(skus)];
  return variantSnapshots(await deps.repository.findBySkus(unique), unique);
}
