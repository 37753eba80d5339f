import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newCategory } from '../domain/category.ts';
import { buildProduct } from '../domain/product.ts';
import { DEMO_CATEGORIES } from './demo-categories.ts';
import { generateProduct, generateProducts } from './generate-products.ts';

describe('demo catalogue generator', () => {
  it('is deterministic: same seed, same products, whatever the batch boundaries', () => {
    const whole = generateProducts(42, 50);
    assert.deepEqual(generateProducts(42, 50), whole);
    assert.deepEqual([...generateProducts(42, 20), ...generateProducts(42, 30, 20)], whole);
    assert.deepEqual(generateProduct(42, 37), whole[37]);
    assert.notDeepEqual(generateProducts(43, 50), whole);
  });

  it('generates products valid against their category, in all five categories, with unique slugs and SKUs', () => {
    const categories = new Map(DEMO_CATEGORIES.map((input) => [input.slug, newCategory(input, new Date())]));
    const products = generateProducts(7, 2000);
    const identity = {
      id: '01900000-0000-7000-8000-000000000000',
      version: 1,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    for (const input of products) buildProduct(input, categories.get(input.category)!, identity);
    assert.deepEqual(new Set(products.map((p) => p.category)), new Set(categories.keys()));
    assert.equal(new Set(products.map((p) => p.slug)).size, products.length);
    const skus = products.flatMap((p) => p.variants.map((v) => v.sku));
    assert.equal(new Set(skus).size, skus.length);
  });
});
