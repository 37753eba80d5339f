import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCategory } from '../../src/app/manage-categories.ts';
import { searchProducts, searchProductsJson, type ProductListing } from '../../src/app/read-products.ts';
import { createProduct } from '../../src/app/write-products.ts';
import type { RawQuery } from '../../src/domain/parse-product-search.ts';
import { aGadget, aSku, gadgetsCategory } from './catalog-builders.ts';
import type { ContractContext, Needs } from './product-repository.contract.ts';

/**
 * `searchJson` (the listing's path: the store renders the page's products) gives, once parsed, the
 * very listing `search` gives through the domain: every field, prices in each currency's minor unit,
 * times, text that needs escaping, the absent brand, cursors.
 */
export function listingJsonContract(get: () => ContractContext, needs: Needs): void {
  describe('the listing rendered as JSON by the store', needs('decimal128', 'facet'), () => {
    before(async () => {
      const { deps, clock } = get();
      await createCategory(deps, { ...gadgetsCategory('rendered'), name: 'Rendered' });
      const make = (overrides: Parameters<typeof aGadget>[0]) => {
        clock.advance(1234);
        return createProduct(deps, aGadget(overrides, 'rendered'));
      };
      await make({
        name: 'Quote " backslash \\ tab \t Ω “curly” 🙂',
        description: 'line\nbreak, control \u0001 and </script>',
        attributes: {
          storage: ['64GB', '512GB'],
          color: 'Sky "Blue"',
          tier: 'pro',
          weightGrams: 187.5,
          waterproof: true,
        },
        variants: [
          { sku: aSku(), attributes: { storage: '64GB' }, price: '0.10', weight: '187g' },
          { sku: aSku(), attributes: { storage: '512GB' }, price: '1234567890123.45' },
          { sku: aSku(), attributes: { storage: '512GB' } },
        ],
        specifications: {
          display: { size: 6.1, hdr: false },
          bands: ['n1', 'n78'],
          deep: { a: { b: { c: 1e21 } } },
        },
      });
      const { brand: _brand, ...unbranded } = aGadget(
        { currency: 'JPY', basePrice: '129800', variants: [{ sku: aSku(), price: '5' }] },
        'rendered',
      );
      clock.advance(1234);
      await createProduct(deps, unbranded);
      await make({ currency: 'KWD', basePrice: '1.5', variants: [{ sku: aSku(), price: '0.125' }] });
      await make({ basePrice: '7', variants: [{ sku: aSku(), price: '7.5' }], status: 'draft' });
    });

    const queries: RawQuery[] = [
      { category: 'rendered' },
      { category: 'rendered', status: 'any', limit: '2' },
      { category: 'rendered', status: 'any', sort: 'price', limit: '1' },
      { category: 'rendered', status: 'any', sort: '-price', limit: '3' },
      { category: 'rendered', sort: 'name', limit: '1' },
      { category: 'rendered', sort: '-createdAt', limit: '2', 'attr.storage': '512GB,64GB' },
      { status: 'any', sort: 'createdAt', limit: '50' },
    ];

    for (const query of queries)
      it(`parses to the listing search gives, page by page: ${JSON.stringify(query)}`, async () => {
        const { deps } = get();
        let cursor: string | null = null;
        let items = 0;
        do {
          const raw: RawQuery = cursor ? { ...query, cursor } : query;
          const expected = await searchProducts(deps, raw);
          const rendered = JSON.parse(await searchProductsJson(deps, raw)) as ProductListing;
          assert.deepEqual(rendered, expected);
          cursor = expected.nextCursor;
          items += expected.items.length;
        } while (cursor);
        assert.ok(items > 0, 'the query finds products');
      });

    it('renders money as strings in the minor unit and leaves an absent brand out', async () => {
      const { deps } = get();
      const listing = JSON.parse(
        await searchProductsJson(deps, { category: 'rendered', status: 'any', sort: 'createdAt' }),
      ) as ProductListing;
      assert.deepEqual(
        listing.items.map((item) => [item.currency, item.basePrice, item.variants.map((v) => v.price)]),
        [
          ['USD', '100.00', ['0.10', '1234567890123.45', '100.00']],
          ['JPY', '129800', ['5']],
          ['KWD', '1.500', ['0.125']],
          ['USD', '7.00', ['7.50']],
        ],
      );
      assert.deepEqual(
        listing.items.map((item) => 'brand' in item),
        [true, false, true, true],
      );
      assert.equal(listing.items[0]!.name, 'Quote " backslash \\ tab \t Ω “curly” 🙂');
    });
  });
}
