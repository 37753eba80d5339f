-- The product catalog on PostgreSQL (Phase 1). A product is a JSONB document; the columns beside it
-- are what queries filter and sort on. Category attribute definitions are data (jsonb), so a new
-- category or a new attribute never needs a migration.

CREATE TABLE catalog.categories (
  slug text PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  -- { attributes: [...], variantAttributes: [...], allowFreeAttributes: bool }
  definition jsonb NOT NULL,
  version integer NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE catalog.products (
  id uuid PRIMARY KEY,
  slug text NOT NULL,
  name text NOT NULL,
  category text NOT NULL REFERENCES catalog.categories (slug),
  brand text,
  description text NOT NULL DEFAULT '',
  currency char(3) NOT NULL,
  base_price numeric NOT NULL CHECK (base_price >= 0),
  -- lowest variant price: what "sort by price" orders on
  min_price numeric NOT NULL CHECK (min_price >= 0),
  attributes jsonb NOT NULL,
  specifications jsonb NOT NULL,
  -- the variants as the document holds them (prices as exact decimal strings)
  variants jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
  version integer NOT NULL CHECK (version >= 1),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX products_slug ON catalog.products (slug);
CREATE INDEX products_category_status ON catalog.products (category, status);
CREATE INDEX products_brand ON catalog.products (brand);
-- containment (@>) on any attribute or nested specification path, the GIN way
CREATE INDEX products_attributes_gin ON catalog.products USING gin (attributes jsonb_path_ops);
CREATE INDEX products_specifications_gin ON catalog.products USING gin (specifications jsonb_path_ops);
-- keyset pagination for each sort order (sort key, id)
CREATE INDEX products_price_keyset ON catalog.products (min_price, id);
CREATE INDEX products_name_keyset ON catalog.products ((name COLLATE "C"), id);
CREATE INDEX products_created_keyset ON catalog.products (created_at, id);

-- One row per variant: SKUs unique across the catalogue, "any variant price in range" indexed.
CREATE TABLE catalog.product_variants (
  sku text PRIMARY KEY,
  product_id uuid NOT NULL REFERENCES catalog.products (id) ON DELETE CASCADE,
  price numeric NOT NULL CHECK (price >= 0)
);
CREATE INDEX product_variants_product ON catalog.product_variants (product_id);
CREATE INDEX product_variants_price ON catalog.product_variants (price, product_id);
