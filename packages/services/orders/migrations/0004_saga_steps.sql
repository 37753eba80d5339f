-- The saga's timeline (the operator console's Orders page, `GET /orders/{id}/saga`): one row per change
-- of an order's saga, written by a trigger in the same statement as the change, so no step can be
-- recorded without its row and the repository's fenced writes stay as they are.
--   state    the saga moved from_state → to_state (`started` when the order is created)
--   retry    a step failed for now; attempt `attempts` is due at `next_attempt_at`
--   parked   it stopped retrying (needs attention), with the failure
--   resumed  an admin replayed a parked saga
-- `at` is the order's updated_at (the service's clock), `reason_code`/`message` the failure recorded
-- with the change, if any.
CREATE TABLE orders.saga_steps (
  order_id uuid NOT NULL REFERENCES orders.orders (id),
  position bigint GENERATED ALWAYS AS IDENTITY,
  at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('state', 'retry', 'parked', 'resumed')),
  from_state text,
  to_state text NOT NULL,
  attempts integer NOT NULL,
  next_attempt_at timestamptz,
  reason_code text,
  message text,
  PRIMARY KEY (order_id, position)
);

CREATE FUNCTION orders.record_saga_step() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO orders.saga_steps (order_id, at, kind, from_state, to_state, attempts)
    VALUES (NEW.id, NEW.created_at, 'state', NULL, NEW.saga_state, NEW.saga_attempts);
  ELSIF NEW.saga_state IS DISTINCT FROM OLD.saga_state THEN
    INSERT INTO orders.saga_steps (order_id, at, kind, from_state, to_state, attempts, reason_code, message)
    VALUES (NEW.id, NEW.updated_at, 'state', OLD.saga_state, NEW.saga_state, NEW.saga_attempts,
      CASE WHEN NEW.failure IS DISTINCT FROM OLD.failure THEN NEW.failure ->> 'reasonCode' END,
      CASE WHEN NEW.failure IS DISTINCT FROM OLD.failure THEN NEW.failure ->> 'message' END);
  ELSIF NEW.parked_at IS NOT NULL AND OLD.parked_at IS NULL THEN
    INSERT INTO orders.saga_steps (order_id, at, kind, from_state, to_state, attempts, reason_code, message)
    VALUES (NEW.id, NEW.parked_at, 'parked', OLD.saga_state, NEW.saga_state, NEW.saga_attempts,
      NEW.parked_failure ->> 'reasonCode', NEW.parked_failure ->> 'message');
  ELSIF NEW.parked_at IS NULL AND OLD.parked_at IS NOT NULL THEN
    INSERT INTO orders.saga_steps (order_id, at, kind, from_state, to_state, attempts)
    VALUES (NEW.id, NEW.updated_at, 'resumed', OLD.saga_state, NEW.saga_state, NEW.saga_attempts);
  ELSIF NEW.saga_attempts > OLD.saga_attempts THEN
    INSERT INTO orders.saga_steps (order_id, at, kind, from_state, to_state, attempts, next_attempt_at)
    VALUES (NEW.id, NEW.updated_at, 'retry', OLD.saga_state, NEW.saga_state, NEW.saga_attempts,
      NEW.next_attempt_at);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER orders_saga_steps AFTER INSERT OR UPDATE OF saga_state, saga_attempts, parked_at
  ON orders.orders FOR EACH ROW EXECUTE FUNCTION orders.record_saga_step();

-- Staff find a customer's orders by their email (`GET /orders?email=`), case-insensitively.
CREATE INDEX orders_by_customer_email ON orders.orders (lower(customer_email), created_at DESC, id DESC);
