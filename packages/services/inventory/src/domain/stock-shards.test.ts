import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import {
  allocate,
  driestFirst,
  evenSplit,
  evenSpread,
  MAX_SHARDS,
  requireShards,
  reshard,
  shuffledShards,
} from './stock-shards.ts';

describe('stock shards', () => {
  it('accepts 1 to MAX_SHARDS shards and names the field otherwise', () => {
    assert.equal(requireShards(1), 1);
    assert.equal(requireShards(MAX_SHARDS), MAX_SHARDS);
    for (const bad of [0, MAX_SHARDS + 1, 2.5, '4', undefined]) {
      assert.throws(
        () => requireShards(bad),
        (error: unknown) =>
          error instanceof AppError && error.code === 'INVENTORY.INVALID_SHARDS' && error.field === 'shards',
      );
    }
  });

  it('splits evenly, larger parts first, and spreads onto the shards holding most', () => {
    assert.deepEqual(evenSplit(10, 4), [3, 3, 2, 2]);
    assert.deepEqual(evenSplit(0, 3), [0, 0, 0]);
    assert.deepEqual(evenSpread(10, [0, 9, 0, 1]), [2, 3, 2, 3]);
  });

  it('allocates from the first preferred shard that covers it alone, else from the fullest', () => {
    assert.deepEqual(allocate(2, [1, 5, 3], [2, 1, 0]), [{ shard: 2, units: 2 }]);
    assert.deepEqual(allocate(7, [1, 5, 3], [0, 1, 2]), [
      { shard: 1, units: 5 },
      { shard: 2, units: 2 },
    ]);
    assert.equal(allocate(10, [1, 5, 3], [0, 1, 2]), undefined);
  });

  it('orders shards at random (every shard once) or driest first', () => {
    const values = [0.9, 0.1, 0.5, 0.3];
    const order = shuffledShards(5, () => values.shift() ?? 0);
    assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4]);
    assert.deepEqual(driestFirst([4, 0, 2, 0]), [1, 3, 2, 0]);
  });

  it('reshards: counts kept, removed shards fold their reserved units into shard 0, available spread', () => {
    const current = [
      { quantity: 5, reserved: 1, available: 4 },
      { quantity: 3, reserved: 3, available: 0 },
      { quantity: 6, reserved: 2, available: 4 },
    ];
    const two = reshard(current, 2);
    assert.deepEqual(two, [
      { quantity: 7, reserved: 3, available: 4 },
      { quantity: 7, reserved: 3, available: 4 },
    ]);
    assert.deepEqual(reshard(current, 1), [{ quantity: 14, reserved: 6, available: 8 }]);
    assert.deepEqual(
      reshard(current, 3, 2).map((s) => s.available),
      [1, 0, 1],
    );
  });
});
