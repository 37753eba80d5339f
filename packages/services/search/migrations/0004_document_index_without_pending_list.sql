-- The GIN index on the document without a pending list (fastupdate off): every search would otherwise
-- also scan the entries not yet merged (up to 4 MB after a reindex, until a vacuum merges them); each
-- write merges its own entries instead. Entries pending from before are merged here.
ALTER INDEX search.products_document SET (fastupdate = off);
SELECT gin_clean_pending_list('search.products_document'::regclass);
