import { describeSearchMoves } from './search-move-harness.ts';

/**
 * The other way: the running platform (on PGlite, then on the real PostgreSQL) keeps its search index
 * on OpenSearch (`SEARCH_STORE=opensearch`) and moves it live to PostgreSQL with `polyshop
 * migrate-store search --to postgres` while products are created, renamed and archived: rolled back
 * from read-switch and from write-switch (OpenSearch alone takes the writes after), then moved the
 * whole way (searches list the catalogue from PostgreSQL).
 */
describeSearchMoves('opensearch', 'postgres');
