import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toSearchDocument } from '../../src/domain/search-document.ts';
import type { ProductSearchIndex } from '../../src/ports/product-search-index.ts';
import { aProduct } from '../fixtures/catalog-generator.ts';
import { search, type MakeIndex } from './search-contract-helpers.ts';

/** Full-text behaviour: what matches, in which order, and how matches are highlighted. */
export function searchRelevanceContract(makeIndex: MakeIndex): void {
  describe('full-text relevance', () => {
    let index: ProductSearchIndex;
    const phone = aProduct({ name: 'Aurora Phone', description: 'A slim device in deep blue.' });
    const caseOnly = aProduct({ name: 'Aurora Case', description: 'Protects your phone from drops.' });
    const phones = aProduct({ name: 'Phones Holder Stand', description: 'Holds two devices upright.' });
    const red = aProduct({ name: 'Red Phone', description: 'Bright and loud.' });
    const laptop = aProduct({
      name: 'Borealis Laptop',
      brand: 'Zenith',
      category: 'laptops',
      description: 'Runs all day.',
    });
    const lamp = aProduct({ name: 'Cedar <b>Lamp</b> & Co', description: 'A desk lamp "for" reading.' });

    before(async () => {
      index = await makeIndex();
      for (const product of [phone, caseOnly, phones, red, laptop, lamp])
        await index.upsert(toSearchDocument(product));
    });

    it('ranks every name match above a description-only match', async () => {
      const result = await search(index, { q: 'phone' });
      const ids = result.hits.map((hit) => hit.id);
      assert.deepEqual(new Set(ids), new Set([phone.id, caseOnly.id, phones.id, red.id]));
      assert.equal(ids.at(-1), caseOnly.id, 'the description-only match comes last');
      assert.equal(result.total, 4);
    });

    it('stems English words: "phones" finds "phone" and "phone" finds "phones"', async () => {
      const plural = await search(index, { q: 'phones' });
      assert.ok(plural.hits.some((hit) => hit.id === phone.id));
      const singular = await search(index, { q: 'phone' });
      assert.ok(singular.hits.some((hit) => hit.id === phones.id));
    });

    it('requires every word, honours quoted phrases and excluded words', async () => {
      assert.deepEqual(
        (await search(index, { q: 'red phone' })).hits.map((hit) => hit.id),
        [red.id],
      );
      assert.deepEqual(
        (await search(index, { q: '"aurora case"' })).hits.map((hit) => hit.id),
        [caseOnly.id],
      );
      const excluded = (await search(index, { q: 'phone -red' })).hits.map((hit) => hit.id);
      assert.ok(!excluded.includes(red.id) && excluded.includes(phone.id));
    });

    it('matches the brand and the category too', async () => {
      assert.deepEqual(
        (await search(index, { q: 'zenith' })).hits.map((hit) => hit.id),
        [laptop.id],
      );
      assert.deepEqual(
        (await search(index, { q: 'laptops' })).hits.map((hit) => hit.id),
        [laptop.id],
      );
    });

    it('scores hits in non-increasing order when q is given, and gives no score without q', async () => {
      const scores = (await search(index, { q: 'phone' })).hits.map((hit) => hit.score);
      for (const score of scores) assert.equal(typeof score, 'number');
      for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1]! >= scores[i]!);
      const all = await search(index, {});
      assert.ok(all.hits.every((hit) => hit.score === null));
      assert.deepEqual(
        all.hits.map((hit) => hit.id),
        all.hits.map((hit) => hit.id).sort(),
        'without q, id order',
      );
    });

    it('highlights the matched fields only, with <em> around matches', async () => {
      const hits = (await search(index, { q: 'phone' })).hits;
      const named = hits.find((hit) => hit.id === phone.id)!;
      assert.equal(named.highlight.name, 'Aurora <em>Phone</em>');
      assert.equal(named.highlight.description, undefined);
      const described = hits.find((hit) => hit.id === caseOnly.id)!;
      assert.equal(described.highlight.name, undefined);
      assert.match(described.highlight.description!, /<em>phone<\/em>/);
      assert.deepEqual((await search(index, {})).hits[0]!.highlight, {});
    });

    it('HTML-escapes highlighted text so only the <em> marks are markup', async () => {
      const [hit] = (await search(index, { q: 'lamp' })).hits;
      assert.equal(hit!.id, lamp.id);
      assert.match(hit!.highlight.name!, /<em>Lamp<\/em>/);
      assert.match(hit!.highlight.name!, /&amp;/);
      assert.ok(!hit!.highlight.name!.includes('<b>'));
      assert.match(hit!.highlight.description!, /&quot;for&quot;/);
    });

    it('treats operator characters and stop words as plain input, never as a query error', async () => {
      for (const q of ['"unclosed', 'a & b | !c', ':*', '(((', "it's", '\\', '<->', 'phone:*', '-', 'or']) {
        const result = await search(index, { q });
        assert.equal(result.total, result.hits.length, q);
      }
      assert.equal((await search(index, { q: 'the and of' })).total, 0, 'stop words alone match nothing');
    });
  });
}
