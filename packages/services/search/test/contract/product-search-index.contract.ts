import { searchFiltersContract } from './search-filters.contract.ts';
import { searchIndexingContract } from './search-indexing.contract.ts';
import { searchRelevanceContract } from './search-relevance.contract.ts';
import { searchWordPartsContract } from './search-word-parts.contract.ts';
import type { MakeIndex } from './search-contract-helpers.ts';

export type { MakeIndex } from './search-contract-helpers.ts';

/**
 * The behaviour every `ProductSearchIndex` adapter must have (PostgreSQL full-text now, OpenSearch
 * next): relevance order and stemming, word parts, every filter, facet and histogram counts equal to brute-force
 * counts over generated products, cursors, version guards, `inStock` following stock, and rebuilds
 * that equal incremental indexing. `makeIndex` gives a fresh, empty index for each group.
 */
export function productSearchIndexContract(makeIndex: MakeIndex): void {
  searchRelevanceContract(makeIndex);
  searchWordPartsContract(makeIndex);
  searchFiltersContract(makeIndex);
  searchIndexingContract(makeIndex);
}
