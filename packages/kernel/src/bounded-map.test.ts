import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mapBounded } from './bounded-map.ts';

/** A task that waits `ms`, recording how many tasks were in flight at most. */
function tracked() {
  let inFlight = 0;
  const seen = { most: 0, started: [] as number[] };
  const task = async (ms: number, index: number) => {
    seen.started.push(index);
    inFlight++;
    seen.most = Math.max(seen.most, inFlight);
    await new Promise((resolve) => setTimeout(resolve, ms));
    inFlight--;
    if (ms < 0) throw new Error(`task ${index} failed`);
    return `done ${index}`;
  };
  return { task, seen };
}

describe('mapBounded', () => {
  it('keeps at most `limit` tasks in flight and answers in the items’ order', async () => {
    const { task, seen } = tracked();
    const results = await mapBounded([30, 5, 20, 1, 10, 2, 15], 3, task);
    assert.deepEqual(
      results,
      [0, 1, 2, 3, 4, 5, 6].map((i) => `done ${i}`),
    );
    assert.equal(seen.most, 3);
  });

  it('runs them all at once when the limit is above the count', async () => {
    const { task, seen } = tracked();
    assert.deepEqual(await mapBounded([5, 5], 16, task), ['done 0', 'done 1']);
    assert.equal(seen.most, 2);
    assert.deepEqual(await mapBounded([], 16, task), []);
  });

  it('throws the first failure after the started tasks settle, and starts no more', async () => {
    const { task, seen } = tracked();
    let settled = 0;
    const counting = async (ms: number, index: number) => {
      try {
        return await task(ms, index);
      } finally {
        settled++;
      }
    };
    await assert.rejects(mapBounded([20, -1, 20, 5, 5, 5], 2, counting), /task 1 failed/);
    // task 0 was in flight when task 1 failed: it settled before the rejection; none started after
    assert.deepEqual(seen.started, [0, 1]);
    assert.equal(settled, 2);
  });

  it('refuses a limit that is not a positive integer', async () => {
    await assert.rejects(
      mapBounded([1], 0, async () => 1),
      RangeError,
    );
  });
});
