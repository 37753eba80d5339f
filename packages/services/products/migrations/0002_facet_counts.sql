-- Facet counts kept up to date by the database, so the unfiltered category page (category + status,
-- the page most shoppers open) reads its facets from a few hundred rows instead of counting every
-- product of the category per request. Filtered pages still count over their filtered subset.
--
-- One row per (category, status, attribute, element, value): how many products of that category and
-- status hold that value. A list attribute counts each element (`element` true); any other value
-- counts as itself (`element` false), exactly as the per-request count reads them. Every attribute is
-- counted, not only the category's facets of today, so marking an attribute `facet` later needs no
-- backfill. Rows that fall to 0 stay (readers skip them): a delete would race concurrent increments.
CREATE TABLE catalog.facet_counts (
  category text NOT NULL,
  status text NOT NULL,
  attribute text NOT NULL,
  element boolean NOT NULL,
  value jsonb NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (category, status, attribute, element, value)
);

-- The facet entries of a set of product rows, each with `delta` (+1 or -1).
CREATE FUNCTION catalog.facet_entries(attributes jsonb, sign integer)
  RETURNS TABLE (attribute text, element boolean, value jsonb, delta integer)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT a.key, false, a.value, sign FROM jsonb_each(attributes) a WHERE jsonb_typeof(a.value) <> 'array'
  UNION ALL
  SELECT a.key, true, e.value, sign
  FROM jsonb_each(attributes) a CROSS JOIN LATERAL jsonb_array_elements(a.value) e
  WHERE jsonb_typeof(a.value) = 'array'
$$;

-- One statement-level trigger per operation: the transition tables hold every row the statement
-- changed (a 1000-product batch is one upsert). Deltas that cancel (an update that kept category,
-- status and attributes, e.g. a price change) touch no row. Rows are upserted in key order, so two
-- writers lock shared counters in the same order and never deadlock on them.
CREATE FUNCTION catalog.apply_facet_deltas() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO catalog.facet_counts AS f (category, status, attribute, element, value, count)
    SELECT n.category, n.status, e.attribute, e.element, e.value, sum(e.delta)
    FROM new_rows n CROSS JOIN LATERAL catalog.facet_entries(n.attributes, 1) e
    GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (category, status, attribute, element, value) DO UPDATE SET count = f.count + excluded.count;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO catalog.facet_counts AS f (category, status, attribute, element, value, count)
    SELECT category, status, attribute, element, value, sum(delta) FROM (
      SELECT n.category, n.status, e.* FROM new_rows n CROSS JOIN LATERAL catalog.facet_entries(n.attributes, 1) e
      UNION ALL
      SELECT o.category, o.status, e.* FROM old_rows o CROSS JOIN LATERAL catalog.facet_entries(o.attributes, -1) e
    ) d
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (category, status, attribute, element, value) DO UPDATE SET count = f.count + excluded.count;
  ELSE
    INSERT INTO catalog.facet_counts AS f (category, status, attribute, element, value, count)
    SELECT o.category, o.status, e.attribute, e.element, e.value, sum(e.delta)
    FROM old_rows o CROSS JOIN LATERAL catalog.facet_entries(o.attributes, -1) e
    GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (category, status, attribute, element, value) DO UPDATE SET count = f.count + excluded.count;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER products_facet_counts_insert AFTER INSERT ON catalog.products
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog.apply_facet_deltas();
CREATE TRIGGER products_facet_counts_update AFTER UPDATE ON catalog.products
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog.apply_facet_deltas();
CREATE TRIGGER products_facet_counts_delete AFTER DELETE ON catalog.products
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog.apply_facet_deltas();

-- The products already there.
INSERT INTO catalog.facet_counts (category, status, attribute, element, value, count)
SELECT p.category, p.status, e.attribute, e.element, e.value, sum(e.delta)
FROM catalog.products p CROSS JOIN LATERAL catalog.facet_entries(p.attributes, 1) e
GROUP BY 1, 2, 3, 4, 5;
