import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BatchLanes } from './batch-lanes.ts';

interface Request {
  key: string;
  id: string;
}

/** Lanes whose batches wait for `release()`, recording each batch's ids. */
function gatedLanes(maxBatch = 100) {
  const batches: string[][] = [];
  const gates: (() => void)[] = [];
  const lanes = new BatchLanes<Request, string>({
    keyOf: (r) => r.key,
    idOf: (r) => r.id,
    maxBatch,
    runBatch: async (requests) => {
      batches.push(requests.map((r) => r.id));
      await new Promise<void>((resolve) => gates.push(resolve));
      if (requests.some((r) => r.id === 'boom')) throw new Error('batch failed');
      return requests.map((r) => `done ${r.id}`);
    },
  });
  const release = async () => {
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    gates.shift()!();
  };
  return { lanes, batches, gates, release };
}

describe('BatchLanes', () => {
  it('tells, as each batch starts, how long each of its requests waited in the lane', async () => {
    const waits: number[][] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const lanes = new BatchLanes<Request, string>({
      keyOf: (r) => r.key,
      idOf: (r) => r.id,
      maxBatch: 10,
      started: (waitedMs) => waits.push([...waitedMs]),
      runBatch: async (requests) => {
        if (requests[0]!.id === 'first') await held;
        return requests.map((r) => r.id);
      },
    });
    const first = lanes.submit({ key: 'sku', id: 'first' });
    await new Promise((resolve) => setImmediate(resolve));
    const queued = lanes.submit({ key: 'sku', id: 'queued' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    release();
    await Promise.all([first, queued]);
    assert.equal(waits.length, 2);
    assert.ok(waits[0]![0]! >= 0 && waits[0]![0]! < 25, `the first ran at once: ${waits[0]![0]} ms`);
    assert.ok(waits[1]![0]! >= 25, `the second waited for the first batch: ${waits[1]![0]} ms`);
  });

  it('batches the requests of one tick, then those that arrive while a batch is in flight', async () => {
    const { lanes, batches, gates, release } = gatedLanes();
    const answers = ['a', 'b'].map((id) => lanes.submit({ key: 'sku', id }));
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    answers.push(...['c', 'd', 'e'].map((id) => lanes.submit({ key: 'sku', id })));
    await release();
    await release();
    assert.deepEqual(await Promise.all(answers), ['done a', 'done b', 'done c', 'done d', 'done e']);
    assert.deepEqual(batches, [
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
  });

  it('runs different keys in parallel lanes', async () => {
    const { lanes, batches, gates, release } = gatedLanes();
    const answers = [lanes.submit({ key: 'x', id: '1' }), lanes.submit({ key: 'y', id: '2' })];
    while (gates.length < 2) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [['1'], ['2']]);
    await release();
    await release();
    assert.deepEqual(await Promise.all(answers), ['done 1', 'done 2']);
  });

  it('keeps a repeated id for the next batch, and caps a batch at maxBatch', async () => {
    const { lanes, batches, release } = gatedLanes(2);
    const answers = ['first', 'r', 'r', 's', 't'].map((id) => lanes.submit({ key: 'k', id }));
    for (let i = 0; i < 3; i++) await release();
    await Promise.all(answers);
    assert.deepEqual(batches, [['first', 'r'], ['r', 's'], ['t']]);
  });

  it('fails every request of a failed batch with its error, and goes on with the next batch', async () => {
    const { lanes, gates, release } = gatedLanes();
    const first = lanes.submit({ key: 'k', id: 'first' });
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const failing = Promise.allSettled([
      lanes.submit({ key: 'k', id: 'boom' }),
      lanes.submit({ key: 'k', id: 'with-boom' }),
    ]);
    await release();
    assert.equal(await first, 'done first');
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const later = lanes.submit({ key: 'k', id: 'later' });
    await release();
    assert.deepEqual(
      (await failing).map((answer) => answer.status === 'rejected' && (answer.reason as Error).message),
      ['batch failed', 'batch failed'],
    );
    await release();
    assert.equal(await later, 'done later');
  });
});
