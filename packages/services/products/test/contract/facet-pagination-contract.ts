import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '@polyshop/kernel';
import { createCategory } from '../../src/app/manage-categories.ts';
import { searchProducts, type ProductListing } from '../../src/app/read-products.ts';
import { createProduct } from '../../src/app/write-products.ts';
import { byCountThenValue } from '../../src/domain/facets.ts';
import { parseProductSearch, type RawQuery } from '../../src/domain/parse-product-search.ts';
import type { ProductDocument, ProductInput } from '../../src/domain/product.ts';
import { generateProducts } from '../../src/seed/generate-products.ts';
import { loadCatalogue } from '../../src/seed/load-catalogue.ts';
import { aGadget, aSku, gadgetsCategory } from './catalog-builders.ts';
import { bruteForceFacets, lowestInputPrice, matches } from './brute-force.ts';
import type { ContractContext, Needs } from './product-repository.contract.ts';

const SEED = 7;
const COUNT = 1200;

/** Every page of a search, following nextCursor. */
async function walk(
  get: () => ContractContext,
  query: RawQuery,
  between?: () => Promise<unknown>,
): Promise<{ items: ProductDocument[]; pages: ProductListing[] }> {
  const pages: ProductListing[] = [];
  let cursor: string | null = null;
  do {
    const [page]: [ProductListing, unknown] = await Promise.all([
      searchProducts(get().deps, cursor ? { ...query, cursor } : query),
      pages.length > 0 && between ? between() : undefined,
    ]);
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor);
  return { items: pages.flatMap((page) => page.items), pages };
}

function lowest(document: ProductDocument): Decimal {
  return document.variants.map((variant) => new Decimal(variant.price)).reduce((a, b) => (b.lt(a) ? b : a));
}

export function facetAndPaginationContract(get: () => ContractContext, needs: Needs): void {
  describe(`facets and pagination over ${COUNT} generated products`, needs('decimal128', 'facet'), () => {
    const generated: ProductInput[] = generateProducts(SEED, COUNT);

    before(async () => {
      await loadCatalogue(get().deps, { products: COUNT, seed: SEED, batchSize: 500 });
    });

    const queries: RawQuery[] = [
      { category: 'smartphones' },
      { category: 'smartphones', 'attr.storage': '256GB,512GB', 'attr.colors': 'Blue Titanium' },
      {
        category: 'smartphones',
        'attr.os': 'Android',
        'attr.fiveG': 'true',
        'spec.camera.main': ['48MP', '50MP'],
      },
      { category: 'laptops', 'attr.ram': '16GB', brand: 'Lenovo,Dell,HP', status: 'any' },
      { category: 'laptops', 'attr.screenSize': '14,16', 'spec.display.refreshHz': '120' },
      {
        category: 'clothing',
        'attr.sizes': 'M',
        'attr.material': 'cotton,wool',
        minPrice: '20',
        maxPrice: '120',
      },
      { category: 'clothing', 'attr.colors': 'Navy,Olive', 'attr.gender': 'women', 'attr.fit': 'slim' },
      { category: 'books', 'attr.formats': 'ebook', 'attr.genre': 'fantasy,science', 'attr.language': 'en' },
      { category: 'food', 'attr.organic': 'true', 'attr.dietary': 'vegan', 'attr.origin': 'Italy,Japan' },
      { category: 'food', maxPrice: '10', status: 'draft,archived' },
    ];

    for (const query of queries) {
      it(`facet counts and matches equal a brute-force count: ${JSON.stringify(query)}`, async () => {
        const { deps } = get();
        const category = await deps.repository.findCategory(query.category as string);
        const search = parseProductSearch(query, category);
        const expectedFacets = bruteForceFacets(generated, search.filter, search.facets);
        const { items, pages } = await walk(get, { ...query, limit: '100' });
        for (const facet of search.facets)
          assert.deepEqual(
            [...pages[0]!.facets[facet.name]!].sort(byCountThenValue),
            expectedFacets[facet.name],
            facet.name,
          );
        assert.deepEqual(Object.keys(pages[0]!.facets).sort(), search.facets.map((f) => f.name).sort());
        const expectedSlugs = generated
          .filter((product) => matches(product, search.filter))
          .map((product) => product.slug)
          .sort();
        assert.deepEqual(items.map((item) => item.slug).sort(), expectedSlugs);
        assert.ok(expectedSlugs.length > 0 || query.status !== undefined, 'the query matches something');
      });
    }

    it('sorts by lowest variant price, both ways, across pages', async () => {
      const expected = generated
        .filter((p) => p.category === 'clothing' && p.status === 'active')
        .map(lowestInputPrice)
        .sort((a, b) => a.comparedTo(b));
      const ascending = await walk(get, { category: 'clothing', sort: 'price', limit: '37' });
      assert.deepEqual(
        ascending.items.map((item) => lowest(item).toFixed(2)),
        expected.map((price) => price.toFixed(2)),
      );
      const descending = await walk(get, { category: 'clothing', sort: '-price', limit: '41' });
      assert.deepEqual(
        descending.items.map((item) => lowest(item).toFixed(2)),
        expected.reverse().map((price) => price.toFixed(2)),
      );
      assert.equal(new Set(ascending.items.map((item) => item.id)).size, ascending.items.length);
    });

    it('sorts by name (code point order) and by creation time, across pages', async () => {
      const names = generated
        .filter((p) => p.category === 'books' && p.status === 'active')
        .map((p) => p.name);
      const byName = await walk(get, { category: 'books', sort: 'name', limit: '29' });
      assert.deepEqual(
        byName.items.map((item) => item.name),
        [...names].sort(),
      );
      const byNameDesc = await walk(get, { category: 'books', sort: '-name', limit: '29' });
      assert.deepEqual(
        byNameDesc.items.map((item) => item.name),
        [...names].sort().reverse(),
      );
      const newest = await walk(get, { category: 'books', sort: '-createdAt', limit: '31' });
      assert.deepEqual(
        newest.items.map((item) => item.slug).sort(),
        byName.items.map((item) => item.slug).sort(),
      );
      const times = newest.items.map((item) => item.createdAt);
      assert.deepEqual(times, [...times].sort().reverse());
    });

    it('keeps cursor pagination stable under concurrent inserts: every existing product once, none twice', async () => {
      const { deps, clock } = get();
      await createCategory(deps, { ...gadgetsCategory('stream'), name: 'Stream' });
      let cents = 1000;
      const add = async () => {
        clock.advance(1);
        cents = (cents * 7919) % 100_000;
        return createProduct(
          deps,
          aGadget({ variants: [{ sku: aSku(), price: new Decimal(cents).div(100).toFixed(2) }] }, 'stream'),
        );
      };
      const originals: string[] = [];
      for (let i = 0; i < 30; i++) originals.push((await add()).id);
      for (const sort of ['price', '-price', 'name', '-createdAt', 'createdAt']) {
        const { items } = await walk(get, { category: 'stream', sort, limit: '4' }, () =>
          Promise.all([add(), add()]),
        );
        const ids = items.map((item) => item.id);
        assert.equal(new Set(ids).size, ids.length, `${sort}: no product twice`);
        for (const id of originals) assert.ok(ids.includes(id), `${sort}: product ${id} seen`);
      }
    });
  });
}
