-- A committed reservation's stock can be put back on hand (status `returned`); each SKU's return is
-- kept in its adjustment history (kind `return`) with the reservation it came from.
ALTER TABLE inventory.reservations
  DROP CONSTRAINT reservations_status_check,
  ADD CONSTRAINT reservations_status_check CHECK (status IN ('active', 'committed', 'released', 'expired', 'returned'));

ALTER TABLE inventory.adjustments
  DROP CONSTRAINT adjustments_kind_check,
  ADD CONSTRAINT adjustments_kind_check CHECK (kind IN ('set', 'adjust', 'return')),
  ADD COLUMN reservation_id text;
