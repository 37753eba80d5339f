import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toSearchDocument } from '../../src/domain/search-document.ts';
import type { ProductSearchIndex } from '../../src/ports/product-search-index.ts';
import { aProduct } from '../fixtures/catalog-generator.ts';
import { search, type MakeIndex } from './search-contract-helpers.ts';

const ids = async (index: ProductSearchIndex, q: string) =>
  (await search(index, { q })).hits.map((hit) => hit.id);

/** Part-word matching: a query word of 3-20 characters also matches inside the words of name, brand and category. */
export function searchWordPartsContract(makeIndex: MakeIndex): void {
  describe('word parts', () => {
    let index: ProductSearchIndex;
    const smartphones = aProduct({ name: 'Smartphones Deluxe 5', description: 'A bright display.' });
    const phone = aProduct({ name: 'Aurora Phone', description: 'Slim and light.' });
    // The demo catalogue's shape: the word is only in the category.
    const byCategory = aProduct({ name: 'Nova Edge 7 Pro', category: 'smartphones', description: 'OLED.' });
    const headphones = aProduct({ name: 'Quiet Headphones', description: 'Over-ear.' });
    const lamp = aProduct({ name: 'Cedar Lamp', description: 'A desk lamp for reading.' });

    before(async () => {
      index = await makeIndex();
      for (const product of [smartphones, phone, byCategory, headphones, lamp])
        await index.upsert(toSearchDocument(product));
    });

    it('finds "phone" inside "Smartphones" and "Headphones", in the name and in the category', async () => {
      assert.deepEqual(
        new Set(await ids(index, 'phone')),
        new Set([smartphones.id, phone.id, byCategory.id, headphones.id]),
      );
      assert.deepEqual(new Set(await ids(index, 'phones')), new Set(await ids(index, 'phone')));
      assert.deepEqual(await ids(index, 'edar'), [lamp.id], 'a part at the end of a word');
      assert.deepEqual(await ids(index, 'smart deluxe'), [smartphones.id], 'every word, whole or part');
    });

    it('ranks whole-word matches above part-word matches', async () => {
      const hits = (await search(index, { q: 'phone' })).hits;
      assert.equal(hits[0]!.id, phone.id);
      for (const hit of hits.slice(1)) assert.ok(hits[0]!.score! > hit.score!, hit.name);
    });

    it('highlights whole words only', async () => {
      const hits = (await search(index, { q: 'phone' })).hits;
      assert.equal(hits.find((hit) => hit.id === phone.id)!.highlight.name, 'Aurora <em>Phone</em>');
      assert.equal(hits.find((hit) => hit.id === smartphones.id)!.highlight.name, undefined);
    });

    it('needs three characters for a part, and a nonsense query still finds nothing', async () => {
      assert.deepEqual(await ids(index, 'ph'), []);
      assert.equal((await search(index, { q: 'xqzvwkj' })).total, 0);
      assert.equal((await search(index, { q: 'phone xqzvwkj' })).total, 0);
      assert.deepEqual(new Set(await ids(index, 'phone -smart')), new Set([phone.id, headphones.id]));
    });
  });
}
