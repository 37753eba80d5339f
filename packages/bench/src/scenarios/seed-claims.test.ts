import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { overlapAt } from './search-relevance.ts';
import { held } from './money.ts';

describe('issue 17 scenarios: what their tables decide', () => {
  it('takes the exact value a double holds, not its shortest print', () => {
    assert.equal(held(21.59).equals('21.59'), false, '21.59 prints right but is not held exactly');
    assert.equal(held(0.1 + 0.2).equals('0.3'), false);
    assert.equal(held(0.5).equals('0.5'), true, 'a binary fraction is exact');
    assert.equal(held('21.59').equals('21.590'), true, 'a decimal string is its value');
  });

  it('counts overlap@10 over 10, or over the longer list when both are short', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `p${i}`);
    assert.equal(overlapAt(10, ten, [...ten].reverse()), 1, 'order inside the top 10 does not count');
    assert.equal(overlapAt(10, ten, ['p0', 'x1', 'x2']), 0.1);
    assert.equal(overlapAt(10, ['p0', 'p1'], ['p1']), 0.5);
    assert.equal(overlapAt(10, [], []), 1, 'both empty: they agree');
  });
});
