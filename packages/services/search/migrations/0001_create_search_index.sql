-- The search service's own product index (Phase 1: PostgreSQL full-text). Fed only by product.* and
-- inventory.changed events, or rebuilt from the catalog by `polyshop search reindex`.

-- Every write to the index takes a number from this sequence: a rebuild removes the products that
-- neither it nor an event wrote after it started.
CREATE SEQUENCE search.write_seq;

-- One row per product ever seen. A removed (archived, draft) product stays as a tombstone
-- (searchable = false, content cleared) holding its version, so a late, older event cannot bring it back.
-- Identifiers and facet values compare byte-wise (COLLATE "C"): the same order on every server.
CREATE TABLE search.products (
  id text COLLATE "C" PRIMARY KEY,
  version integer NOT NULL CHECK (version >= 1),
  searchable boolean NOT NULL,
  slug text,
  name text,
  brand text COLLATE "C",
  category text COLLATE "C",
  description text,
  currency char(3),
  -- the lowest price among the product's active variants (the base price without any)
  price numeric CHECK (price >= 0),
  -- the SKUs of its active variants: the product is in stock when any has stock available
  skus text[] NOT NULL DEFAULT '{}',
  in_stock boolean NOT NULL DEFAULT false,
  written_seq bigint NOT NULL,
  -- relevance: name (A) weighs more than description (B); brand and category (C) also match
  document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(name, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(description, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(brand, '') || ' ' || coalesce(category, '')), 'C')
  ) STORED,
  CONSTRAINT products_searchable_has_content CHECK (
    NOT searchable OR (slug IS NOT NULL AND name IS NOT NULL AND category IS NOT NULL
      AND description IS NOT NULL AND currency IS NOT NULL AND price IS NOT NULL)
  )
);
CREATE INDEX products_document ON search.products USING gin (document) WHERE searchable;
CREATE INDEX products_skus ON search.products USING gin (skus);
CREATE INDEX products_price_keyset ON search.products (price, id) WHERE searchable;
CREATE INDEX products_category ON search.products (category) WHERE searchable;
CREATE INDEX products_brand ON search.products (brand) WHERE searchable;
CREATE INDEX products_written ON search.products (written_seq);

-- What the index knows of stock, per SKU (from inventory.changed). Kept across rebuilds, and
-- before the SKU's product is known (events of different services arrive in any order).
CREATE TABLE search.sku_stock (
  sku text PRIMARY KEY,
  available integer NOT NULL
);
