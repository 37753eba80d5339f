import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bucketKey, fillHistogram } from './histogram.ts';

describe(fillHistogram.name, () => {
  it('fills the empty buckets between the lowest and the highest', () => {
    assert.deepEqual(
      fillHistogram(
        [
          { key: '300', count: 2 },
          { key: '100', count: 1 },
        ],
        '100',
      ),
      [
        { from: '100', to: '200', count: 1 },
        { from: '200', to: '300', count: 0 },
        { from: '300', to: '400', count: 2 },
      ],
    );
  });

  it('keeps decimal intervals exact', () => {
    assert.deepEqual(
      fillHistogram(
        [
          { key: '0.1', count: 1 },
          { key: '0.3', count: 1 },
        ],
        '0.1',
      ).map((b) => b.from),
      ['0.1', '0.2', '0.3'],
    );
  });

  it('is empty without buckets, and refuses more than 1000 buckets', () => {
    assert.deepEqual(fillHistogram([], '10'), []);
    assert.throws(
      () =>
        fillHistogram(
          [
            { key: '0', count: 1 },
            { key: '1000', count: 1 },
          ],
          '1',
        ),
      { code: 'SEARCH.TOO_MANY_BUCKETS', field: 'histogram' },
    );
  });
});

describe(bucketKey.name, () => {
  it('puts a value on a boundary in the bucket that starts there', () => {
    assert.equal(bucketKey('200', '100'), '200');
    assert.equal(bucketKey('199.99', '100'), '100');
    assert.equal(bucketKey('0.3', '0.1'), '0.3');
    assert.equal(bucketKey('12.49', '12.5'), '0');
  });
});
