-- Each history entry names the stock version its write made, so the entry has the same key on every
-- store (`<sku>#<version>`, as DynamoDB keys it) and the migration engine can copy it by key.
-- A write sets the version of the SKU it just updated (same transaction, the row is locked by then);
-- a copy from another store sets it explicitly and the trigger leaves it alone.
ALTER TABLE inventory.adjustments ADD COLUMN stock_version integer;

-- Entries written before this column: numbered per SKU in their order (they stay below every later
-- version, since each of them raised the SKU's version by at least one).
UPDATE inventory.adjustments AS a SET stock_version = n.rank
FROM (SELECT id, row_number() OVER (PARTITION BY sku ORDER BY id) AS rank FROM inventory.adjustments) AS n
WHERE a.id = n.id;

CREATE UNIQUE INDEX adjustments_by_stock_version ON inventory.adjustments (sku, stock_version);

CREATE FUNCTION inventory.adjustment_stock_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.stock_version IS NULL THEN
    SELECT version INTO NEW.stock_version FROM inventory.stock WHERE sku = NEW.sku;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER adjustments_stock_version BEFORE INSERT ON inventory.adjustments
  FOR EACH ROW EXECUTE FUNCTION inventory.adjustment_stock_version();
