-- The `sandbox` gateway's own state: the fake card network keeps its transactions, refunds and the
-- answer to every gateway idempotency key here, as a processor's test-mode account does, so that a
-- payment authorized or captured before a restart can still be captured, voided or refunded after it.
-- The service reaches these tables only through the sandbox adapter (as it would a processor's API).

CREATE TABLE payments.sandbox_transactions (
  -- The processor's charge id (`sbx_ch_…`), stored by the service as `gateway_transaction_id`.
  id text PRIMARY KEY,
  -- polyshop's payment id, kept for reconciliation as a processor keeps a merchant reference.
  reference text NOT NULL,
  amount numeric(15, 3) NOT NULL CHECK (amount > 0),
  currency char(3) NOT NULL,
  status text NOT NULL CHECK (status IN ('authorized', 'captured', 'voided', 'declined')),
  captured_amount numeric(15, 3) NOT NULL DEFAULT 0,
  refunded_amount numeric(15, 3) NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- Whatever the adapter does: nothing captured beyond the authorization, nothing refunded beyond the capture.
  CONSTRAINT sandbox_amounts_consistent CHECK (
    captured_amount >= 0 AND captured_amount <= amount
    AND refunded_amount >= 0 AND refunded_amount <= captured_amount
  )
);

CREATE TABLE payments.sandbox_refunds (
  id text PRIMARY KEY,
  transaction_id text NOT NULL REFERENCES payments.sandbox_transactions (id),
  amount numeric(15, 3) NOT NULL CHECK (amount > 0),
  created_at timestamptz NOT NULL
);
CREATE INDEX sandbox_refunds_transaction ON payments.sandbox_refunds (transaction_id);

-- One row per gateway idempotency key: a fingerprint of the parameters (SHA-256, never card data) and
-- the answer given — the same key again gets the same answer, with other parameters a refusal.
CREATE TABLE payments.sandbox_requests (
  idempotency_key text PRIMARY KEY,
  fingerprint char(64) NOT NULL,
  -- {"ok": true, "value": …} or {"ok": false, "error": {"kind", "code", "message", "field"?}}
  answer jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
