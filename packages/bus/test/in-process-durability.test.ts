import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@polyshop/kernel';
import { InProcessEventBus } from '../src/index.ts';
import { anEvent } from './support/an-event.ts';

describe('InProcessEventBus delivery guarantee', () => {
  it('publish resolves only after every matching handler has run', async () => {
    const bus = new InProcessEventBus({ logger: silentLogger() });
    const handled: string[] = [];
    for (const consumer of ['a', 'b']) {
      await bus.subscribe({
        consumer,
        types: ['thing.happened'],
        handler: async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          handled.push(consumer);
        },
      });
    }
    await bus.publish(anEvent({ type: 'thing.happened' }));
    assert.deepEqual(handled.sort(), ['a', 'b']);
    await bus.close();
  });

  it('publish resolves after a dead letter is recorded, and rejects when recording it fails', async () => {
    const recorded: string[] = [];
    let storeUp = true;
    const bus = new InProcessEventBus({
      logger: silentLogger(),
      maxAttempts: 2,
      retryDelayMs: 1,
      onDeadLetter: async (consumer) => {
        if (!storeUp) throw new Error('dead-letter store down');
        recorded.push(consumer);
      },
    });
    await bus.subscribe({
      consumer: 'always-fails',
      types: ['*'],
      handler: async () => Promise.reject(new Error('nope')),
    });
    await bus.publish(anEvent({ type: 'x.happened' }));
    assert.deepEqual(recorded, ['always-fails']);
    storeUp = false;
    // The relay sees the rejection and keeps the outbox row: the event is not lost.
    await assert.rejects(bus.publish(anEvent({ type: 'x.happened' })), /dead-letter store down/);
    await bus.close();
  });
});
