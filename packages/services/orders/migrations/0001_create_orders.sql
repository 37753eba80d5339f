-- Order numbers shown to customers (ORD-100001, ORD-100002 …). Gaps are harmless.
CREATE SEQUENCE orders.order_number_seq START WITH 100001;

-- One row per order, with the checkout saga's state persisted after every step.
CREATE TABLE orders.orders (
  id uuid PRIMARY KEY,
  order_number text NOT NULL UNIQUE,
  user_id text NOT NULL,
  customer_email text,
  customer_name text,
  status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'failed', 'cancelled')),
  currency char(3) NOT NULL,
  subtotal numeric NOT NULL CHECK (subtotal >= 0),
  tax numeric NOT NULL CHECK (tax >= 0),
  shipping numeric NOT NULL CHECK (shipping >= 0),
  total numeric NOT NULL CHECK (total = subtotal + tax + shipping),
  shipping_address jsonb NOT NULL,
  region text NOT NULL,
  payment_method text NOT NULL,
  payment_id text,
  idempotency_key text NOT NULL,
  request_hash text NOT NULL,
  reason_code text,
  failure jsonb,
  saga_state text NOT NULL,
  saga_attempts integer NOT NULL DEFAULT 0,
  -- When a recovery worker may drive the saga: the end of the driver's lease, or the next retry.
  -- NULL once the saga is finished.
  next_attempt_at timestamptz,
  -- The driver holding the lease (fences every saga write); NULL when no one drives it.
  lease_owner text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT orders_idempotency UNIQUE (user_id, idempotency_key)
);
CREATE INDEX orders_by_user ON orders.orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_by_created ON orders.orders (created_at DESC, id DESC);
-- The recovery worker's query: unfinished sagas by due time.
CREATE INDEX orders_saga_due ON orders.orders (next_attempt_at) WHERE next_attempt_at IS NOT NULL;

-- The lines of an order, prices snapshotted from the catalogue at order time.
CREATE TABLE orders.order_items (
  order_id uuid NOT NULL REFERENCES orders.orders (id) ON DELETE CASCADE,
  position integer NOT NULL,
  sku text NOT NULL,
  product_id text NOT NULL,
  name text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price numeric NOT NULL CHECK (unit_price >= 0),
  line_total numeric NOT NULL CHECK (line_total = unit_price * quantity),
  PRIMARY KEY (order_id, position),
  CONSTRAINT order_items_sku_once UNIQUE (order_id, sku)
);
