import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCategory } from '../../src/app/manage-categories.ts';
import { searchProducts } from '../../src/app/read-products.ts';
import { archiveProduct, createProduct, updateProduct } from '../../src/app/write-products.ts';
import { parseProductSearch, type RawQuery } from '../../src/domain/parse-product-search.ts';
import { toProductDocument, type ProductDocument } from '../../src/domain/product.ts';
import { aGadget, gadgetsCategory } from './catalog-builders.ts';
import { bruteForceFacets } from './brute-force.ts';
import type { ContractContext, Needs } from './product-repository.contract.ts';

/**
 * Facet counts stay right while products change: the whole-category page (whose facets a store may
 * keep as counts updated on every write) and a filtered page (counted per request) both equal a
 * brute-force count over the documents after each create, update, category move and archive.
 */
export function facetUpkeepContract(get: () => ContractContext, needs: Needs): void {
  describe('facet counts after creates, updates and archives', needs('decimal128', 'facet'), () => {
    const [first, second] = ['upkeep-a', 'upkeep-b'];
    const held = new Map<string, ProductDocument>();
    const queries: RawQuery[] = [
      { category: first },
      { category: first, status: 'any' },
      { category: first, status: 'draft,archived' },
      { category: first, 'attr.color': 'Black' },
      { category: second },
    ];

    async function assertFacets(step: string): Promise<void> {
      const { deps } = get();
      for (const query of queries) {
        const category = await deps.repository.findCategory(query.category as string);
        const search = parseProductSearch(query, category);
        const expected = bruteForceFacets([...held.values()], search.filter, search.facets);
        const { facets } = await searchProducts(deps, query);
        assert.deepEqual(facets, expected, `${step}: ${JSON.stringify(query)}`);
      }
    }

    function keep(product: Parameters<typeof toProductDocument>[0]): string {
      held.set(product.id, toProductDocument(product));
      return product.id;
    }

    before(async () => {
      for (const slug of [first, second]) await createCategory(get().deps, gadgetsCategory(slug));
    });

    it('count every write: create, change attributes and status, move category, archive', async () => {
      const { deps } = get();
      const ids: string[] = [];
      for (const [index, color] of ['Black', 'Black', 'White', 'Red', 'Black'].entries()) {
        const storage = index % 2 === 0 ? ['64GB', '128GB'] : ['128GB'];
        const input = aGadget(
          { attributes: { storage, color, tier: 'basic', waterproof: index > 2 } },
          first,
        );
        ids.push(keep(await createProduct(deps, input)));
      }
      await assertFacets('after creates');

      keep(await updateProduct(deps, ids[0]!, { attributes: { color: 'White', storage: ['512GB'] } }, 'any'));
      keep(await updateProduct(deps, ids[1]!, { basePrice: '120.00' }, 'any'));
      keep(await updateProduct(deps, ids[2]!, { attributes: { waterproof: null } }, 'any'));
      await assertFacets('after attribute updates');

      keep(await updateProduct(deps, ids[3]!, { status: 'draft' }, 'any'));
      keep(await updateProduct(deps, ids[4]!, { category: second }, 'any'));
      await assertFacets('after a status change and a category move');

      keep(await archiveProduct(deps, ids[1]!));
      keep(await archiveProduct(deps, ids[0]!));
      await assertFacets('after archives');

      const racing = await Promise.all(
        ['Black', 'Blue', 'Black', 'Blue'].map((color) =>
          createProduct(deps, aGadget({ attributes: { storage: ['64GB'], color, tier: 'pro' } }, first)),
        ),
      );
      racing.forEach(keep);
      await assertFacets('after concurrent creates');
    });
  });
}
