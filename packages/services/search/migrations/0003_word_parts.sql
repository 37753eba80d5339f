-- Word parts: "phone" finds "Smartphones". Every word of the name, brand and category is indexed with
-- its suffixes of three characters or more as "part" lexemes (a '~' before the suffix, weight D), so
-- a query word of 3-20 characters that is a prefix of a suffix — anywhere inside a word — matches.
-- OpenSearch does the same with 3-20 character n-grams of those fields (`opensearch-mapping.ts`).
-- The default parser never puts '~' in a lexeme, so a part lexeme is never confused with a word.

/** The '~'-marked suffixes (3 characters or more) of every word of `value`, at the word's position. */
CREATE FUNCTION search.word_parts(value text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
    SELECT coalesce(string_agg(
             format('''~%s'':%s', replace(replace(substr(w.lexeme, s.start), '\', '\\'), '''', ''''''), p.position),
             ' '), '')::tsvector
      FROM unnest(to_tsvector('simple', value)) AS w(lexeme, positions, weights)
      CROSS JOIN LATERAL unnest(w.positions) AS p(position)
      CROSS JOIN LATERAL generate_series(1, char_length(w.lexeme) - 2) AS s(start)
  $$;

/**
 * The query with each lexeme of 3-20 characters also matching as a word part:
 * 'phone' becomes ('phone' | '~phone':*). Lexemes (from the default parser) hold no quote.
 */
CREATE FUNCTION search.with_word_parts(query tsquery) RETURNS tsquery
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
    SELECT CASE WHEN numnode(query) = 0 THEN query ELSE (
      SELECT string_agg(
               CASE WHEN m.token[1] LIKE '''%' AND char_length(m.token[1]) BETWEEN 5 AND 22
                    THEN format('(%s | ''~%s'':*)', m.token[1], substr(m.token[1], 2, char_length(m.token[1]) - 2))
                    ELSE m.token[1] END,
               '' ORDER BY m.n)::tsquery
        FROM regexp_matches(query::text, '''[^'']*''|[^'']+', 'g') WITH ORDINALITY AS m(token, n)
    ) END
  $$;

-- The document again, with the parts (weight D, below every whole-word match) after the words.
DROP INDEX search.products_document;
ALTER TABLE search.products DROP COLUMN document;
ALTER TABLE search.products ADD COLUMN document tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('english', coalesce(name, '')), 'A') ||
  setweight(to_tsvector('english', coalesce(description, '')), 'B') ||
  setweight(to_tsvector('english', coalesce(brand, '') || ' ' || coalesce(category, '')), 'C') ||
  setweight(search.word_parts(coalesce(name, '') || ' ' || coalesce(brand, '') || ' ' || coalesce(category, '')), 'D')
) STORED;
CREATE INDEX products_document ON search.products USING gin (document) WHERE searchable;
