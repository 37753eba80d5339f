-- An idempotency key keeps the first answer's body, not an HTTP status: http/ decides the status (an
-- authorization creates a payment: 201, replay included). Every status stored before was 201, so a replay
-- of an older key answers the same. A key is complete when `completed_at` is set.
UPDATE payments.idempotency_keys SET completed_at = created_at
  WHERE response_status IS NOT NULL AND completed_at IS NULL;
ALTER TABLE payments.idempotency_keys DROP COLUMN response_status;
