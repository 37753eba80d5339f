-- Payments: transactions, their append-only audit trail, refunds and idempotency keys.
-- Amounts are numeric(15,3): exact, and fine enough for three-decimal currencies (KWD, BHD).

CREATE TYPE payments.payment_status AS ENUM (
  'pending', 'authorized', 'captured', 'partially_refunded', 'refunded', 'voided', 'failed'
);

CREATE TABLE payments.payment_transactions (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL,
  amount numeric(15, 3) NOT NULL CHECK (amount > 0),
  currency char(3) NOT NULL,
  status payments.payment_status NOT NULL,
  method text NOT NULL,
  region text NOT NULL,
  card_brand text,
  card_last4 char(4) CHECK (card_last4 ~ '^[0-9]{4}$'),
  gateway_transaction_id varchar(255),
  reason_code text,
  captured_amount numeric(15, 3) NOT NULL DEFAULT 0,
  refunded_amount numeric(15, 3) NOT NULL DEFAULT 0,
  refund_pending_amount numeric(15, 3) NOT NULL DEFAULT 0,
  authorized_at timestamptz,
  captured_at timestamptz,
  voided_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- The last line of defence for the refund invariant: whatever the code does, refunds (settled and
  -- in flight) never exceed the captured amount, and nothing is captured beyond the authorization.
  CONSTRAINT payment_amounts_consistent CHECK (
    captured_amount >= 0 AND captured_amount <= amount
    AND refunded_amount >= 0 AND refund_pending_amount >= 0
    AND refunded_amount + refund_pending_amount <= captured_amount
  )
);
CREATE INDEX payment_transactions_order ON payments.payment_transactions (order_id, created_at);
CREATE INDEX payment_transactions_captured ON payments.payment_transactions (captured_at) WHERE captured_at IS NOT NULL;

CREATE TABLE payments.payment_audit_log (
  id uuid PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES payments.payment_transactions (id),
  old_status payments.payment_status,
  new_status payments.payment_status NOT NULL,
  reason text NOT NULL,
  actor text NOT NULL,
  ip inet,
  created_at timestamptz NOT NULL
);
CREATE INDEX payment_audit_log_payment ON payments.payment_audit_log (payment_id, created_at, id);

-- Append-only, enforced by the database for every role, the service's own included: a statement
-- trigger fires even when an UPDATE or DELETE matches no row, and TRUNCATE is covered too.
CREATE FUNCTION payments.reject_audit_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'payments.payment_audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'P0001', HINT = 'Record a correction as a new audit row.';
END;
$$;
CREATE TRIGGER payment_audit_log_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON payments.payment_audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION payments.reject_audit_log_change();

CREATE TABLE payments.refunds (
  id uuid PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES payments.payment_transactions (id),
  amount numeric(15, 3) NOT NULL CHECK (amount > 0),
  reason text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  gateway_refund_id varchar(255),
  created_at timestamptz NOT NULL,
  settled_at timestamptz
);
CREATE INDEX refunds_payment ON payments.refunds (payment_id, created_at);
CREATE INDEX refunds_settled ON payments.refunds (settled_at) WHERE status = 'succeeded';

CREATE TABLE payments.idempotency_keys (
  key text PRIMARY KEY,
  request_hash char(64) NOT NULL,
  payment_id uuid NOT NULL REFERENCES payments.payment_transactions (id) DEFERRABLE INITIALLY DEFERRED,
  response_status integer,
  response_body jsonb,
  locked_until timestamptz,
  created_at timestamptz NOT NULL,
  completed_at timestamptz
);
