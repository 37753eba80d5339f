-- The history of category definition changes: one row each time a category's attribute definitions
-- (attributes, variant attributes, free attributes) change, written by the database in the same
-- transaction as the change, whoever makes it. `polyshop advise` reads it to measure the seed's
-- products trigger ("schema changes every sprint for new product types") over a window; nothing
-- else depends on it. A change of name or description only is not a schema change and is not kept.
CREATE TABLE catalog.category_changes (
  id bigserial PRIMARY KEY,
  slug text NOT NULL,
  -- the category's version after the change
  version integer NOT NULL,
  -- attribute and variant attribute definitions after the change
  attribute_count integer NOT NULL,
  -- the category's updated_at (the service's clock), so windows agree with the service's own times
  changed_at timestamptz NOT NULL
);
CREATE INDEX category_changes_by_time ON catalog.category_changes (changed_at);

CREATE FUNCTION catalog.record_category_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO catalog.category_changes (slug, version, attribute_count, changed_at)
  VALUES (
    NEW.slug,
    NEW.version,
    jsonb_array_length(COALESCE(NEW.definition -> 'attributes', '[]'::jsonb))
      + jsonb_array_length(COALESCE(NEW.definition -> 'variantAttributes', '[]'::jsonb)),
    NEW.updated_at
  );
  RETURN NULL;
END;
$$;

CREATE TRIGGER categories_definition_changes AFTER UPDATE ON catalog.categories
  FOR EACH ROW WHEN (OLD.definition IS DISTINCT FROM NEW.definition)
  EXECUTE FUNCTION catalog.record_category_change();
