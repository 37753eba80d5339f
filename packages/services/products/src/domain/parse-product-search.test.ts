import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newCategory } from './category.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { mergePatch } from './merge-patch.ts';
import { parseProductSearch } from './parse-product-search.ts';

const phones = newCategory(
  {
    slug: 'smartphones',
    name: 'Smartphones',
    attributes: [
      { name: 'storage', type: 'list', values: ['128GB', '256GB', '512GB'], facet: true },
      { name: 'colors', type: 'list', facet: true },
      { name: 'screenSize', type: 'number', filterable: true },
      { name: 'fiveG', type: 'boolean', filterable: true },
    ],
  },
  new Date(),
);

describe('parseProductSearch', () => {
  it("turns the issue's example query into a store-neutral search", () => {
    const search = parseProductSearch(
      {
        category: 'smartphones',
        'attr.storage': '256GB,512GB',
        'attr.colors': 'Blue Titanium',
        'spec.camera.main': '48MP',
        minPrice: '200',
        maxPrice: '800',
        brand: 'Apple',
        status: 'active',
        sort: '-price',
        limit: '20',
      },
      phones,
    );
    assert.deepEqual(search, {
      filter: {
        category: 'smartphones',
        brands: ['Apple'],
        statuses: ['active'],
        attributes: [
          { name: 'storage', multiValued: true, values: ['256GB', '512GB'] },
          { name: 'colors', multiValued: true, values: ['Blue Titanium'] },
        ],
        specifications: [{ path: ['camera', 'main'], values: ['48MP'] }],
        minPrice: '200',
        maxPrice: '800',
      },
      sort: { field: 'price', direction: 'desc' },
      limit: 20,
      facets: [
        { name: 'storage', multiValued: true },
        { name: 'colors', multiValued: true },
      ],
    });
  });

  it('types values by attribute: numbers, booleans; spec values get every reading', () => {
    const search = parseProductSearch(
      {
        category: 'smartphones',
        'attr.screenSize': '6.1,6.7',
        'attr.fiveG': 'true',
        'spec.battery.mah': '4000',
      },
      phones,
    );
    assert.deepEqual(search.filter.attributes, [
      { name: 'screenSize', multiValued: false, values: [6.1, 6.7] },
      { name: 'fiveG', multiValued: false, values: [true] },
    ]);
    assert.deepEqual(search.filter.specifications, [{ path: ['battery', 'mah'], values: ['4000', 4000] }]);
  });

  it('defaults: active products, newest first, 20 a page, no facets without a category', () => {
    const search = parseProductSearch({}, undefined);
    assert.deepEqual(search.filter.statuses, ['active']);
    assert.deepEqual(search.sort, { field: 'createdAt', direction: 'desc' });
    assert.equal(search.limit, 20);
    assert.deepEqual(search.facets, []);
    assert.deepEqual(parseProductSearch({ status: 'any' }, undefined).filter.statuses, [
      'draft',
      'active',
      'archived',
    ]);
  });
});

describe('cursors', () => {
  it('round-trip, and refuse one made for another sort', () => {
    const sort = { field: 'price', direction: 'asc' } as const;
    const position = { key: '199.99', id: '01900000-0000-7000-8000-000000000001' };
    const cursor = encodeCursor(sort, position);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(cursor, sort), position);
    assert.throws(() => decodeCursor(cursor, { field: 'price', direction: 'desc' }), {
      code: 'PRODUCT.INVALID_CURSOR',
    });
    const forged = Buffer.from(JSON.stringify({ s: 'price', k: '1; DROP', i: position.id })).toString(
      'base64url',
    );
    assert.throws(() => decodeCursor(forged, sort), { code: 'PRODUCT.INVALID_CURSOR' });
  });
});

describe('mergePatch (RFC 7396)', () => {
  it('merges objects, removes on null, replaces arrays and scalars', () => {
    assert.deepEqual(
      mergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1, 2] }, { a: null, b: { c: null, f: 4 }, e: [3] }),
      { b: { d: 3, f: 4 }, e: [3] },
    );
  });
});
