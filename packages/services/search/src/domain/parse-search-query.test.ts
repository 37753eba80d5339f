import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSearchQuery } from './parse-search-query.ts';
import { encodeCursor } from './search-cursor.ts';

describe(parseSearchQuery.name, () => {
  it("reads the issue's example into a query", () => {
    const query = parseSearchQuery({
      q: ' smartphone ',
      category: '',
      brand: '',
      inStock: 'true',
      minPrice: '200',
      maxPrice: '800.50',
      facets: 'brand,category',
      histogram: 'price:100',
      sort: '-price',
      limit: '10',
    });
    assert.deepEqual(query, {
      q: 'smartphone',
      filters: { inStock: true, minPrice: '200', maxPrice: '800.5' },
      facets: ['brand', 'category'],
      histogram: { field: 'price', interval: '100' },
      sort: '-price',
      limit: 10,
    });
  });

  it('defaults to every product by relevance, 20 per page', () => {
    assert.deepEqual(parseSearchQuery({}), { q: '', filters: {}, facets: [], sort: 'relevance', limit: 20 });
  });

  it('takes several categories or brands as any-of, sorted and without repeats', () => {
    const { filters } = parseSearchQuery({ category: ['b', 'a', 'b'], brand: 'Acme' });
    assert.deepEqual(filters, { categories: ['a', 'b'], brands: ['Acme'] });
  });

  it('turns control characters in q into spaces', () => {
    assert.equal(parseSearchQuery({ q: 'red\u0000phone\n' }).q, 'red phone');
  });

  const refusals: [string, Record<string, unknown>, string, string][] = [
    ['a zero limit', { limit: '0' }, 'limit', 'SEARCH.INVALID_LIMIT'],
    ['a limit over 100', { limit: 101 }, 'limit', 'SEARCH.INVALID_LIMIT'],
    ['a fractional limit', { limit: '2.5' }, 'limit', 'SEARCH.INVALID_LIMIT'],
    ['a histogram without interval', { histogram: 'price' }, 'histogram', 'SEARCH.INVALID_HISTOGRAM'],
    ['a zero interval', { histogram: 'price:0' }, 'histogram', 'SEARCH.INVALID_HISTOGRAM'],
    ['a negative interval', { histogram: 'price:-10' }, 'histogram', 'SEARCH.INVALID_HISTOGRAM'],
    ['an unknown histogram field', { histogram: 'weight:10' }, 'histogram', 'SEARCH.INVALID_HISTOGRAM'],
    ['an unknown facet', { facets: 'brand,color' }, 'facets', 'SEARCH.UNKNOWN_FACET'],
    ['an unknown sort', { sort: 'name' }, 'sort', 'SEARCH.UNKNOWN_SORT'],
    ['a float-looking price', { minPrice: '1e3' }, 'minPrice', 'SEARCH.INVALID_PRICE'],
    ['a negative price', { maxPrice: '-1' }, 'maxPrice', 'SEARCH.INVALID_PRICE'],
    [
      'minPrice above maxPrice',
      { minPrice: '800', maxPrice: '200' },
      'minPrice',
      'SEARCH.INVALID_PRICE_RANGE',
    ],
    ['an inStock that is not a boolean', { inStock: 'yes' }, 'inStock', 'SEARCH.INVALID_FILTER'],
    ['a brand with a NUL', { brand: 'Ac\u0000me' }, 'brand', 'SEARCH.INVALID_FILTER'],
    ['a q over 200 characters', { q: 'x'.repeat(201) }, 'q', 'SEARCH.QUERY_TOO_LONG'],
    ['a cursor it did not issue', { cursor: 'bm9wZQ' }, 'cursor', 'SEARCH.INVALID_CURSOR'],
  ];
  for (const [label, params, field, code] of refusals) {
    it(`refuses ${label}, naming ${field}`, () => {
      assert.throws(() => parseSearchQuery(params), { kind: 'invalid_input', code, field });
    });
  }

  it('refuses a cursor issued for another search', () => {
    const cursor = encodeCursor(parseSearchQuery({ sort: 'price' }), { after: { price: '10', id: 'a' } });
    assert.equal(parseSearchQuery({ sort: 'price', cursor }).cursor, cursor);
    assert.throws(() => parseSearchQuery({ sort: '-price', cursor }), {
      code: 'SEARCH.INVALID_CURSOR',
      field: 'cursor',
    });
    assert.throws(() => parseSearchQuery({ sort: 'price', brand: 'Acme', cursor }), {
      code: 'SEARCH.INVALID_CURSOR',
    });
  });
});
