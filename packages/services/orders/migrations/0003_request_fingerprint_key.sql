-- The key of the checkout fingerprints (HMAC-SHA256 over the whole request, card number included,
-- CVC excluded): 32 bytes from PostgreSQL's strong random source, made once, shared by every process.
-- Without it a stored fingerprint cannot be tested against guessed card numbers.
CREATE TABLE orders.fingerprint_key (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  secret bytea NOT NULL CHECK (length(secret) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO orders.fingerprint_key (secret)
  VALUES (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
