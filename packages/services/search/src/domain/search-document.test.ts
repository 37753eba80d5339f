import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toSearchDocument, type CatalogProduct } from './search-document.ts';

const product = (overrides: Partial<CatalogProduct> = {}): CatalogProduct => ({
  id: 'p1',
  slug: 'aurora',
  name: 'Aurora',
  category: 'smartphones',
  brand: 'Acme',
  description: 'A phone.',
  currency: 'USD',
  basePrice: '500.00',
  variants: [
    { sku: 'B', price: '549.00' },
    { sku: 'A', price: '499.50' },
  ],
  status: 'active',
  version: 2,
  ...overrides,
});

describe(toSearchDocument.name, () => {
  it("indexes the lowest variant price and the variants' SKUs", () => {
    assert.deepEqual(toSearchDocument(product()), {
      id: 'p1',
      slug: 'aurora',
      name: 'Aurora',
      brand: 'Acme',
      category: 'smartphones',
      description: 'A phone.',
      currency: 'USD',
      price: '499.5',
      skus: ['A', 'B'],
      version: 2,
    });
  });

  it('leaves variants taken off sale out of price and stock', () => {
    const doc = toSearchDocument(
      product({
        variants: [
          { sku: 'A', price: '1.00', active: false },
          { sku: 'B', price: '9.00' },
          { sku: 'C', price: '2.00', status: 'discontinued' },
        ],
      }),
    );
    assert.equal(doc.price, '9');
    assert.deepEqual(doc.skus, ['B']);
  });

  it('uses the base price for a variant without one, and without variants', () => {
    assert.equal(toSearchDocument(product({ variants: [{ sku: 'A' }] })).price, '500');
    assert.equal(toSearchDocument(product({ variants: [] })).price, '500');
  });

  it('has no brand for an empty or missing one', () => {
    assert.equal(toSearchDocument(product({ brand: '' })).brand, null);
    const { brand: _brand, ...withoutBrand } = product();
    assert.equal(toSearchDocument(withoutBrand).brand, null);
  });

  it('refuses a document search cannot index, naming the field', () => {
    assert.throws(() => toSearchDocument(product({ version: 0 })), {
      code: 'SEARCH.INVALID_PRODUCT',
      field: 'version',
    });
    assert.throws(() => toSearchDocument(product({ name: '' })), {
      code: 'SEARCH.INVALID_PRODUCT',
      field: 'name',
    });
    assert.throws(() => toSearchDocument(product({ variants: [{ sku: 'A', price: '-1' }] })), {
      field: 'variants.0.price',
    });
    assert.throws(() => toSearchDocument(product({ variants: [{ sku: 'A', price: '1.5e3' }] })), {
      code: 'MONEY.INVALID_AMOUNT',
    });
    assert.throws(() => toSearchDocument(product({ currency: 'XXX1' })), { code: 'MONEY.INVALID_CURRENCY' });
  });
});
