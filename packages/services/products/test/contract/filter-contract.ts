import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCategory } from '../../src/app/manage-categories.ts';
import { searchProducts } from '../../src/app/read-products.ts';
import { createProduct } from '../../src/app/write-products.ts';
import type { RawQuery } from '../../src/domain/parse-product-search.ts';
import type { Product } from '../../src/domain/product.ts';
import { aGadget, aSku, gadgetsCategory } from './catalog-builders.ts';
import { rejectsWith } from './category-contract.ts';
import type { ContractContext, Needs } from './product-repository.contract.ts';

export function filterContract(get: () => ContractContext, needs: Needs): void {
  // Products stored before every case (Decimal128 prices), searched in a category with facets.
  describe('filters', needs('decimal128', 'facet'), () => {
    const named = new Map<string, Product>();
    const variants = (...prices: string[]) => prices.map((price) => ({ sku: aSku(), attributes: {}, price }));

    before(async () => {
      const { deps } = get();
      await createCategory(deps, { ...gadgetsCategory('phones'), name: 'Phones' });
      const make = async (name: string, overrides: Parameters<typeof aGadget>[0]) =>
        named.set(name, await createProduct(deps, aGadget({ name, ...overrides }, 'phones')));
      await make('P1', {
        brand: 'Apple',
        attributes: {
          storage: ['128GB', '256GB'],
          color: 'Blue Titanium',
          tier: 'pro',
          weightGrams: 187,
          waterproof: true,
        },
        specifications: { camera: { main: '48MP' }, connectivity: ['5G', 'WiFi 6E'], display: { size: 6.1 } },
        variants: variants('100.00', '900.00'),
      });
      await make('P2', {
        brand: 'Samsung',
        attributes: {
          storage: ['512GB'],
          color: 'Black',
          tier: 'basic',
          weightGrams: 200,
          waterproof: false,
        },
        specifications: { camera: { main: '50MP' }, connectivity: ['4G'] },
        variants: variants('300.00'),
      });
      await make('P3', {
        brand: 'Apple',
        status: 'draft',
        attributes: { storage: ['64GB'], color: 'Black', tier: 'basic', waterproof: true },
        specifications: { camera: { main: '48MP' } },
        variants: variants('500.00'),
      });
      await make('P4', {
        brand: 'Google',
        status: 'archived',
        currency: 'EUR',
        attributes: { storage: ['256GB'], color: 'Blue Titanium', tier: 'pro' },
        variants: variants('799.99'),
      });
      await make('P5', {
        brand: 'Acme',
        attributes: { storage: ['256GB', '512GB'], color: 'White', tier: 'pro' },
        specifications: { camera: { main: '12MP' }, year: 2024 },
        variants: variants('800.00', '800.01'),
      });
    });

    const expectNames = async (query: RawQuery, expected: string[]) => {
      const { items } = await searchProducts(get().deps, { category: 'phones', limit: '100', ...query });
      const byId = new Map([...named].map(([name, product]) => [product.id, name]));
      assert.deepEqual(
        items.map((item) => byId.get(item.id)).sort(),
        [...expected].sort(),
        JSON.stringify(query),
      );
    };

    it('by category and status (active by default; a list, or any)', async () => {
      await expectNames({}, ['P1', 'P2', 'P5']);
      await expectNames({ status: 'any' }, ['P1', 'P2', 'P3', 'P4', 'P5']);
      await expectNames({ status: 'draft' }, ['P3']);
      await expectNames({ status: 'active,archived' }, ['P1', 'P2', 'P4', 'P5']);
    });

    it('by brand (one or several) and currency', async () => {
      await expectNames({ brand: 'Apple' }, ['P1']);
      await expectNames({ brand: 'Apple,Samsung', status: 'any' }, ['P1', 'P2', 'P3']);
      await expectNames({ brand: ['Apple', 'Google'], status: 'any' }, ['P1', 'P3', 'P4']);
      await expectNames({ currency: 'EUR', status: 'any' }, ['P4']);
    });

    it('by attribute of every type: list (any of), string, number, boolean, enum', async () => {
      await expectNames({ 'attr.storage': '256GB,512GB' }, ['P1', 'P2', 'P5']);
      await expectNames({ 'attr.storage': '128GB' }, ['P1']);
      await expectNames({ 'attr.color': 'Blue Titanium', status: 'any' }, ['P1', 'P4']);
      await expectNames({ 'attr.weightGrams': '187' }, ['P1']);
      await expectNames({ 'attr.weightGrams': '187,200' }, ['P1', 'P2']);
      await expectNames({ 'attr.waterproof': 'true', status: 'any' }, ['P1', 'P3']);
      await expectNames({ 'attr.waterproof': 'false' }, ['P2']);
      await expectNames({ 'attr.tier': 'pro' }, ['P1', 'P5']);
      await expectNames({ 'attr.storage': '256GB', 'attr.color': 'White' }, ['P5']);
      await expectNames({ 'attr.color': "x'); DROP TABLE products; --" }, []);
    });

    it('by nested specification, exactly: strings, numbers, list members', async () => {
      await expectNames({ 'spec.camera.main': '48MP', status: 'any' }, ['P1', 'P3']);
      await expectNames({ 'spec.camera.main': '48' }, []);
      await expectNames({ 'spec.connectivity': '5G' }, ['P1']);
      await expectNames({ 'spec.display.size': '6.1' }, ['P1']);
      await expectNames({ 'spec.year': '2024' }, ['P5']);
      await expectNames({ 'spec.camera': '48MP' }, []);
      await expectNames({ 'spec.camera.main': ['48MP', '50MP'] }, ['P1', 'P2']);
    });

    it('by price on any variant, bounds included', async () => {
      await expectNames({ minPrice: '200', maxPrice: '800' }, ['P2', 'P5']);
      await expectNames({ minPrice: '800.01' }, ['P1', 'P5']);
      await expectNames({ maxPrice: '100' }, ['P1']);
      await expectNames({ minPrice: '900.01' }, []);
      await expectNames({ minPrice: '799.99', maxPrice: '799.99', status: 'any' }, ['P4']);
    });

    it('by every kind at once', async () => {
      await expectNames(
        {
          brand: 'Apple',
          'attr.storage': '256GB',
          'spec.camera.main': '48MP',
          minPrice: '50',
          maxPrice: '150',
          currency: 'USD',
        },
        ['P1'],
      );
    });

    it('answers a bad filter name or value with a 400 naming the parameter, never a query error', async () => {
      const { deps } = get();
      const bad = (query: RawQuery, code: string, field: string) =>
        rejectsWith(searchProducts(deps, query), code, field);
      await bad({ category: 'phones', 'attr.wheels': '4' }, 'PRODUCT.UNKNOWN_FILTER', 'attr.wheels');
      await bad(
        { category: 'phones', 'attr.internalCode': 'x' },
        'PRODUCT.UNKNOWN_FILTER',
        'attr.internalCode',
      );
      await bad({ 'attr.storage': '256GB' }, 'PRODUCT.FILTER_NEEDS_CATEGORY', 'attr.storage');
      await bad(
        { category: 'phones', 'attr.weightGrams': 'heavy' },
        'PRODUCT.INVALID_FILTER_VALUE',
        'attr.weightGrams',
      );
      await bad(
        { category: 'phones', 'attr.waterproof': 'maybe' },
        'PRODUCT.INVALID_FILTER_VALUE',
        'attr.waterproof',
      );
      await bad(
        { category: 'phones', 'attr.storage': '3TB' },
        'PRODUCT.INVALID_FILTER_VALUE',
        'attr.storage',
      );
      await bad({ category: 'phones', 'attr.tier': '' }, 'PRODUCT.INVALID_FILTER_VALUE', 'attr.tier');
      await bad({ category: 'nowhere' }, 'PRODUCT.UNKNOWN_CATEGORY', 'category');
      await bad({ minPrice: 'cheap' }, 'PRODUCT.INVALID_FILTER_VALUE', 'minPrice');
      await bad({ maxPrice: '-1' }, 'PRODUCT.INVALID_FILTER_VALUE', 'maxPrice');
      await bad({ minPrice: '10', maxPrice: '5' }, 'PRODUCT.INVALID_FILTER_VALUE', 'minPrice');
      await bad({ currency: 'ABC' }, 'PRODUCT.INVALID_FILTER_VALUE', 'currency');
      await bad({ status: 'deleted' }, 'PRODUCT.INVALID_FILTER_VALUE', 'status');
      await bad({ sort: 'popularity' }, 'PRODUCT.INVALID_SORT', 'sort');
      await bad({ limit: '0' }, 'PRODUCT.INVALID_LIMIT', 'limit');
      await bad({ limit: '1000' }, 'PRODUCT.INVALID_LIMIT', 'limit');
      await bad({ cursor: 'not-a-cursor' }, 'PRODUCT.INVALID_CURSOR', 'cursor');
      await bad({ 'spec.camera..main': '48MP' }, 'PRODUCT.UNKNOWN_FILTER', 'spec.camera..main');
      await bad({ "spec.camera'main": '48MP' }, 'PRODUCT.UNKNOWN_FILTER', "spec.camera'main");
      await bad({ colour: 'red' }, 'PRODUCT.UNKNOWN_FILTER', 'colour');
      const page = await searchProducts(deps, { category: 'phones', sort: 'price', limit: '1' });
      await bad(
        { category: 'phones', sort: 'name', cursor: page.nextCursor! },
        'PRODUCT.INVALID_CURSOR',
        'cursor',
      );
    });
  });
}
