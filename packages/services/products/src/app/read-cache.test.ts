import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReadCache } from './read-cache.ts';

/** A computation the test finishes when it wants. */
function deferred(value: string) {
  let finish!: () => void;
  const done = new Promise<string>((resolve) => (finish = () => resolve(value)));
  return { done, finish };
}

describe('ReadCache', () => {
  it('serves a kept answer until invalidated', async () => {
    const cache = new ReadCache<string>({ maxEntries: 10, ttlMs: 60_000 });
    let calls = 0;
    const compute = async () => `answer ${++calls}`;
    assert.equal(await cache.read('k', compute), 'answer 1');
    assert.equal(await cache.read('k', compute), 'answer 1');
    cache.invalidate();
    assert.equal(await cache.read('k', compute), 'answer 2');
  });

  it('never keeps an answer whose read started before an invalidation', async () => {
    const cache = new ReadCache<string>({ maxEntries: 10, ttlMs: 60_000 });
    const before = deferred('before the write');
    const reading = cache.read('k', () => before.done);
    cache.invalidate(); // a write committed while the read was running
    const after = cache.read('k', async () => 'after the write');
    before.finish();
    assert.equal(await reading, 'before the write');
    assert.equal(await after, 'after the write', 'a read after the write does not join the older one');
    assert.equal(await cache.read('k', async () => 'again'), 'after the write');
  });

  it('shares one computation between concurrent misses, and keeps no failure', async () => {
    const cache = new ReadCache<string>({ maxEntries: 10, ttlMs: 60_000 });
    const slow = deferred('shared');
    let calls = 0;
    const reads = [1, 2, 3].map(() => cache.read('k', () => (calls++, slow.done)));
    slow.finish();
    assert.deepEqual(await Promise.all(reads), ['shared', 'shared', 'shared']);
    assert.equal(calls, 1);
    await assert.rejects(cache.read('bad', () => Promise.reject(new Error('store down'))));
    assert.equal(await cache.read('bad', async () => 'recovered'), 'recovered');
  });

  it('computes every time when turned off (maxEntries 0)', async () => {
    const cache = new ReadCache<string>({ maxEntries: 0, ttlMs: 60_000 });
    let calls = 0;
    await cache.read('k', async () => String(++calls));
    assert.equal(await cache.read('k', async () => String(++calls)), '2');
    assert.equal(cache.size, 0);
  });
});
