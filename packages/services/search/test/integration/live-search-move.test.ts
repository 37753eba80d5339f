import { describeSearchMoves } from './search-move-harness.ts';

/**
 * The running platform (users, products, search; on PGlite, then on the real PostgreSQL) moves its
 * search index from PostgreSQL to OpenSearch with `polyshop migrate-store search --to opensearch` while
 * products are created, renamed and archived: rolled back from read-switch and from write-switch
 * (searches list the catalogue from PostgreSQL again, which alone takes the writes after), then moved
 * the whole way (searches list the catalogue from OpenSearch). The way back, live:
 * live-search-reverse-move.test.ts; through the CLI on PostgreSQL: packages/platform/test/migrate-store-search.test.ts.
 */
describeSearchMoves('postgres', 'opensearch');
