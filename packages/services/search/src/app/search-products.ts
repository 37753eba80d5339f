import { parseSearchQuery, type SearchParams } from '../domain/parse-search-query.ts';
import type { SearchResult } from '../domain/search-query.ts';
import type { SearchDeps } from './search-deps.ts';

/** Searches the index; every bad parameter is invalid input naming it. */
export async function searchProducts(
  deps: Pick<SearchDeps, 'index'>,
  params: SearchParams,
): Promise<SearchResult> {
  return deps.index.search(parseSearchQuery(params));
}
