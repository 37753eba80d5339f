import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Money } from '@polyshop/kernel';
import { canonicalDigest, compareCodePoints, stableJson } from '../src/index.ts';

describe('canonical digest', () => {
  it('sorts object keys at every depth and writes Dates as ISO strings to the millisecond', () => {
    const at = new Date('2026-03-01T10:20:30.456Z');
    assert.equal(
      stableJson({ b: 1, a: { d: [at, { z: 1, y: 2 }], c: null }, skipped: undefined }),
      '{"a":{"c":null,"d":["2026-03-01T10:20:30.456Z",{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same digest whatever order the keys were built in, and another for another value', () => {
    assert.equal(canonicalDigest({ x: 1, y: [1, 2] }), canonicalDigest({ y: [1, 2], x: 1 }));
    assert.notEqual(canonicalDigest({ x: 1, y: [1, 2] }), canonicalDigest({ x: 1, y: [2, 1] }));
    assert.match(canonicalDigest('a'), /^[0-9a-f]{64}$/);
  });

  it('writes what toJSON returns (money), and bigints as decimal strings', () => {
    const price = Money.of('19.90', 'EUR');
    assert.equal(
      stableJson({ price }),
      JSON.stringify({ price: JSON.parse(JSON.stringify(price)) as unknown }),
    );
    assert.equal(stableJson({ n: 12345678901234567890n }), '{"n":"12345678901234567890"}');
  });

  it('orders keys by code point, as PostgreSQL orders them under COLLATE "C"', () => {
    const keys = ['\u{1F600}', '\uFFFD', 'b', 'a', 'ab', ''];
    assert.deepEqual([...keys].sort(compareCodePoints), ['', 'a', 'ab', 'b', '\uFFFD', '\u{1F600}']);
  });
});
