-- The SKU's stock version from inventory.changed: an older event arriving late changes nothing.
ALTER TABLE search.sku_stock ADD COLUMN version bigint;
