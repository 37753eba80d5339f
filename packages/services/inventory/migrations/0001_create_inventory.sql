-- Stock per SKU. The invariant 0 <= reserved <= quantity (so available = quantity - reserved is never
-- negative) is kept by every write's own WHERE clause; the CHECK is the last line of defence.
CREATE TABLE inventory.stock (
  sku text PRIMARY KEY,
  quantity integer NOT NULL,
  reserved integer NOT NULL DEFAULT 0,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL,
  CONSTRAINT stock_counts_valid CHECK (reserved >= 0 AND reserved <= quantity AND quantity <= 1000000000)
);

-- Every change of on-hand quantity made by hand (set or adjust), newest last.
CREATE TABLE inventory.adjustments (
  id bigserial PRIMARY KEY,
  sku text NOT NULL REFERENCES inventory.stock (sku),
  kind text NOT NULL CHECK (kind IN ('set', 'adjust')),
  delta integer NOT NULL,
  quantity_after integer NOT NULL,
  reason text NOT NULL,
  actor text,
  created_at timestamptz NOT NULL
);
CREATE INDEX adjustments_by_sku ON inventory.adjustments (sku, id);

-- Reservations: items as one document (read and written whole, like the DynamoDB item it becomes).
CREATE TABLE inventory.reservations (
  id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('active', 'committed', 'released', 'expired')),
  items jsonb NOT NULL,
  ttl_seconds integer NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- The reaper's query: active reservations past their expiry, oldest first.
CREATE INDEX reservations_active_expiry ON inventory.reservations (expires_at) WHERE status = 'active';
