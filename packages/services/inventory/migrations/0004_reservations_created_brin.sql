-- `polyshop advise` finds the busiest second of the busiest SKU from the reservations created in its
-- window (a few minutes). Reservations are appended in time order, so a BRIN index answers that range
-- from a few block ranges instead of a scan of every reservation ever made, and costs the hot path
-- almost nothing: a B-tree would add an index entry to every reservation insert.
CREATE INDEX reservations_created_brin ON inventory.reservations USING brin (created_at);
