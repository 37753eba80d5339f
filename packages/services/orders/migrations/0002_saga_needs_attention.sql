-- A saga that cannot progress (the same step failing ORDERS_SAGA_ATTENTION_AFTER_ATTEMPTS times where it
-- can no longer be undone: a capture, a refund, a compensation) is parked instead of retried for ever:
-- `parked_at` set, `next_attempt_at` cleared (the recovery worker leaves it alone), the last failure in
-- `parked_failure`. Admins list parked sagas (`GET /orders/admin/sagas?state=needs_attention`) and replay
-- them (`POST /orders/admin/sagas/{id}/replay`), which clears both columns.
ALTER TABLE orders.orders ADD COLUMN parked_at timestamptz;
ALTER TABLE orders.orders ADD COLUMN parked_failure jsonb;
ALTER TABLE orders.orders ADD CONSTRAINT orders_parked_with_failure
  CHECK ((parked_at IS NULL) = (parked_failure IS NULL));
CREATE INDEX orders_saga_parked ON orders.orders (parked_at, id) WHERE parked_at IS NOT NULL;
