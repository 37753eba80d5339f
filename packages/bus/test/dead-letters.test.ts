import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, silentLogger, systemClock, type EventEnvelope } from '@polyshop/kernel';
import { migrate, PgliteDatabase, type SqlDatabase } from '@polyshop/stores';
import { DeadLetters, PostgresDeadLetterStore, type EventBus } from '../src/index.ts';
import { anEvent } from './support/an-event.ts';
import { eventBusTargets, type BusNamespace } from './support/bus-targets.ts';
import { eventually } from '@polyshop/testing';

const isCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

describe(DeadLetters.name, () => {
  let db: SqlDatabase;
  before(async () => {
    db = await PgliteDatabase.open();
    await migrate(db, { schema: 'platform' });
  });
  after(() => db?.close());

  for (const target of eventBusTargets()) {
    describe(`on the ${target.name} bus`, { skip: target.skip }, () => {
      let namespace: BusNamespace;
      let bus: EventBus;
      let deadLetters: DeadLetters;
      beforeEach(async () => {
        await db.exec('TRUNCATE platform.dead_letters');
        namespace = await target.namespace();
        deadLetters = new DeadLetters({
          store: async () => new PostgresDeadLetterStore(db, 'platform'),
          redeliver: (consumer, event) => bus.redeliver(consumer, event),
          clock: systemClock,
          logger: silentLogger(),
        });
        bus = await namespace.open({ maxAttempts: 2, onDeadLetter: deadLetters.handler });
      });
      afterEach(() => namespace.dispose());

      it('records what a consumer gave up on, and replays it to that consumer only once fixed', async () => {
        let fixed = false;
        const handled: EventEnvelope[] = [];
        const bystander: EventEnvelope[] = [];
        await bus.subscribe({
          consumer: 'notifications.order-confirmed',
          types: ['order.confirmed'],
          handler: async (event) => {
            if (!fixed) throw new Error('template missing');
            handled.push(event);
          },
        });
        await bus.subscribe({
          consumer: 'search.orders',
          types: ['order.confirmed'],
          handler: async (event) => void bystander.push(event),
        });
        const event = anEvent({ type: 'order.confirmed' });
        await bus.publish(event);
        await eventually(async () => (await deadLetters.list()).length === 1, {
          message: 'the event was dead-lettered',
        });
        const [letter] = await deadLetters.list({ consumer: 'notifications.order-confirmed' });
        assert.deepEqual(
          { event: letter!.event, error: letter!.error, attempts: letter!.attempts },
          { event, error: 'template missing', attempts: 2 },
        );
        await eventually(() => bystander.length === 1, { message: 'the bystander got it' });

        await assert.rejects(deadLetters.replay(letter!.id), isCode('EVENTS.REPLAY_FAILED'));
        assert.equal((await deadLetters.get(letter!.id)).attempts, 3, 'the failed replay is counted');

        fixed = true;
        const replayed = await deadLetters.replay(letter!.id);
        assert.ok(replayed.replayedAt instanceof Date);
        assert.deepEqual(
          handled.map((e) => e.id),
          [event.id],
        );
        assert.equal(bystander.length, 1, 'other consumers do not see a replay');
        assert.deepEqual(await deadLetters.list({ pending: true }), []);
        await assert.rejects(deadLetters.replay(letter!.id), isCode('EVENTS.ALREADY_REPLAYED'));
      });

      it('answers not found for an unknown letter, and unavailable when its consumer runs nowhere', async () => {
        await assert.rejects(deadLetters.replay('424242'), isCode('EVENTS.DEAD_LETTER_NOT_FOUND'));
        await assert.rejects(deadLetters.replay('not-an-id'), isCode('EVENTS.DEAD_LETTER_NOT_FOUND'));
        await deadLetters.handler('gone.consumer', anEvent(), new Error('x'), 2);
        const [letter] = await deadLetters.list();
        await assert.rejects(deadLetters.replay(letter!.id), isCode('EVENTS.CONSUMER_NOT_RUNNING'));
        assert.equal((await deadLetters.get(letter!.id)).replayedAt, undefined);
      });
    });
  }
});
