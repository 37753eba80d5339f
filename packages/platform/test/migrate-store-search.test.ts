import { describeSearchMoves } from '../../services/search/test/integration/search-move-harness.ts';

/**
 * The way back: the running platform (users, products; on PGlite, then on the real PostgreSQL) with
 * search configured on OpenSearch (`SEARCH_STORE=opensearch`) moves its index to PostgreSQL with
 * `polyshop migrate-store search --to postgres` while products are created, renamed and archived:
 * rolled back from read-switch and from write-switch (OpenSearch alone holds every change and takes
 * the writes after), then moved to finished (searches list the catalogue from PostgreSQL).
 */
describeSearchMoves('opensearch', 'postgres');
