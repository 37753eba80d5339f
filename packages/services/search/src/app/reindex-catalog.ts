import {
  isSearchable,
  productVersion,
  toSearchDocument,
  type SearchDocument,
} from '../domain/search-document.ts';
import type { SearchDeps } from './search-deps.ts';

/** How far a reindex is: products read from the catalog so far, and what became of them. */
export interface ReindexProgress {
  /** Catalog products read. */
  read: number;
  /** Active products written to the index. */
  indexed: number;
  /** Catalog products that are not active (draft, archived), taken out of search. */
  inactive: number;
}

export interface ReindexSummary extends ReindexProgress {
  /** Searchable products the index held that the catalog no longer has. */
  removed: number;
}

export interface ReindexOptions {
  /** Products per catalog page, 1-100 (what the catalog serves). Default 100. */
  pageSize?: number;
  /** Called after each page. */
  onProgress?: (progress: ReindexProgress) => void;
}

/**
 * Rebuilds the index from the catalog page by page (`polyshop search reindex`). The index keeps
 * answering searches and applying events meanwhile; stock knowledge is kept. At the end, products
 * the catalog no longer lists leave the index.
 */
export async function reindexCatalog(
  deps: Pick<SearchDeps, 'index' | 'catalog'>,
  options: ReindexOptions = {},
): Promise<ReindexSummary> {
  const { index } = deps;
  const catalog = deps.catalog();
  const limit = options.pageSize ?? 100;
  const progress: ReindexProgress = { read: 0, indexed: 0, inactive: 0 };
  const rebuild = await index.startRebuild();
  let cursor: string | null = null;
  do {
    const page = await catalog.listProducts({ cursor, limit });
    const docs: SearchDocument[] = [];
    for (const product of page.items) {
      if (isSearchable(product)) docs.push(toSearchDocument(product));
      else await index.remove(product.id, productVersion(product));
    }
    await rebuild.add(docs);
    progress.read += page.items.length;
    progress.indexed += docs.length;
    progress.inactive += page.items.length - docs.length;
    options.onProgress?.({ ...progress });
    cursor = page.nextCursor;
  } while (cursor);
  const { removed } = await rebuild.commit();
  return { ...progress, removed };
}
