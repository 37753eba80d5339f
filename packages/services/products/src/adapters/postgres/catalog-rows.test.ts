import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { productJsonFromRow, type ProductTextRow } from './catalog-rows.ts';

const row: ProductTextRow = {
  id: '0b5a3c1e-8f8e-4f4f-9d7a-2a1b3c4d5e6f',
  slug: 'tee',
  name: 'Tee "classic"',
  category: 'clothing',
  brand: null,
  description: 'Soft.\n',
  currency: 'USD',
  base_price: '12.50',
  min_price: '12.50',
  attributes: '{"size": "M", "price": "cheap"}',
  specifications: '{"fabric": {"gsm": 180}}',
  variants: '[{"sku": "TEE-M", "price": "12.50", "attributes": {"size": "M"}}]',
  status: 'active',
  version: 3,
  created_at: new Date('2026-03-01T10:00:00.123Z'),
  updated_at: new Date('2026-03-02T10:00:00.000Z'),
};

const expected = {
  id: row.id,
  slug: 'tee',
  name: 'Tee "classic"',
  category: 'clothing',
  description: 'Soft.\n',
  currency: 'USD',
  basePrice: '12.50',
  attributes: { size: 'M', price: 'cheap' },
  specifications: { fabric: { gsm: 180 } },
  variants: [{ sku: 'TEE-M', price: '12.50', attributes: { size: 'M' } }],
  status: 'active',
  version: 3,
  createdAt: '2026-03-01T10:00:00.123Z',
  updatedAt: '2026-03-02T10:00:00.000Z',
};

describe('productJsonFromRow', () => {
  it('passes the JSON text through when the prices are as every write stores them', () => {
    assert.deepEqual(JSON.parse(productJsonFromRow(row)), expected);
  });

  it("renders prices in the currency's minor unit when the stored ones are not (through the domain)", () => {
    const stored = {
      ...row,
      currency: 'JPY',
      base_price: '1200.00',
      variants: '[{"sku": "TEE-M", "price": "1199.5", "attributes": {"size": "M", "price": "cheap"}}]',
    };
    assert.deepEqual(JSON.parse(productJsonFromRow(stored)), {
      ...expected,
      currency: 'JPY',
      basePrice: '1200',
      variants: [{ sku: 'TEE-M', price: '1200', attributes: { size: 'M', price: 'cheap' } }],
    });
  });

  it('keeps a brand', () => {
    assert.equal(
      (JSON.parse(productJsonFromRow({ ...row, brand: 'Acme' })) as { brand: string }).brand,
      'Acme',
    );
  });
});
