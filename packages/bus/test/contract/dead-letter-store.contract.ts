import { afterEach, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeadLetterStore } from '../../src/index.ts';
import { anEvent } from '../support/an-event.ts';

/** A fresh, empty store, and how to dispose of it. */
export type MakeDeadLetterStore = () => Promise<{ store: DeadLetterStore; dispose: () => Promise<void> }>;

/** The DeadLetterStore port's behaviour; `makeStore` gives each test an empty store. */
export function deadLetterStoreContract(makeStore: MakeDeadLetterStore): void {
  let store: DeadLetterStore;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ store, dispose } = await makeStore());
  });
  afterEach(() => dispose());

  it('records a dead letter with its event, error and attempts, pending', async () => {
    const event = anEvent({ data: { sku: 'A-1' } });
    const letter = await store.record({ consumer: 'search.indexer', event, error: 'boom', attempts: 5 });
    assert.equal(typeof letter.id, 'string');
    assert.deepEqual(
      {
        consumer: letter.consumer,
        event: letter.event,
        error: letter.error,
        attempts: letter.attempts,
        replayedAt: letter.replayedAt,
      },
      { consumer: 'search.indexer', event, error: 'boom', attempts: 5, replayedAt: undefined },
    );
    assert.ok(letter.failedAt instanceof Date);
    assert.deepEqual(await store.find(letter.id), letter);
  });

  it('keeps one letter per consumer and event: a new failure updates it, adds attempts, and makes it pending again', async () => {
    const event = anEvent();
    const first = await store.record({ consumer: 'mailer', event, error: 'smtp down', attempts: 5 });
    await store.markReplayed(first.id, new Date());
    const again = await store.record({ consumer: 'mailer', event, error: 'smtp still down', attempts: 1 });
    assert.equal(again.id, first.id);
    assert.deepEqual(
      { error: again.error, attempts: again.attempts, replayedAt: again.replayedAt },
      { error: 'smtp still down', attempts: 6, replayedAt: undefined },
    );
    const other = await store.record({ consumer: 'sms', event, error: 'no credit', attempts: 5 });
    assert.notEqual(other.id, first.id, 'another consumer of the same event has its own letter');
    assert.equal((await store.list()).length, 2);
  });

  it('lists newest first, by consumer and by pending', async () => {
    const a = await store.record({ consumer: 'a', event: anEvent(), error: 'x', attempts: 1 });
    const b = await store.record({ consumer: 'b', event: anEvent(), error: 'x', attempts: 1 });
    const c = await store.record({ consumer: 'a', event: anEvent(), error: 'x', attempts: 1 });
    await store.markReplayed(a.id, new Date());
    assert.deepEqual(
      (await store.list()).map((l) => l.id),
      [c.id, b.id, a.id],
    );
    assert.deepEqual(
      (await store.list({ consumer: 'a' })).map((l) => l.id),
      [c.id, a.id],
    );
    assert.deepEqual(
      (await store.list({ pending: true })).map((l) => l.id),
      [c.id, b.id],
    );
    assert.deepEqual(
      (await store.list({ pending: false })).map((l) => l.id),
      [a.id],
    );
    assert.deepEqual(
      (await store.list({ limit: 1 })).map((l) => l.id),
      [c.id],
    );
    assert.deepEqual(await store.list({ consumer: 'nobody' }), []);
  });

  it('marks a letter replayed at the given time', async () => {
    const letter = await store.record({ consumer: 'a', event: anEvent(), error: 'x', attempts: 1 });
    const at = new Date('2026-11-27T10:00:00.000Z');
    const replayed = await store.markReplayed(letter.id, at);
    assert.deepEqual(replayed?.replayedAt, at);
    assert.deepEqual((await store.find(letter.id))?.replayedAt, at);
  });

  it('finds nothing for an unknown or malformed id', async () => {
    await store.record({ consumer: 'a', event: anEvent(), error: 'x', attempts: 1 });
    for (const id of ['999999', 'abc', '', '-1', '1; DROP TABLE x', '99999999999999999999999']) {
      assert.equal(await store.find(id), undefined, id);
      assert.equal(await store.markReplayed(id, new Date()), undefined, id);
    }
  });
}
