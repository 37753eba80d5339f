import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, type EventEnvelope } from '@polyshop/kernel';
import { handleOnce, migrate, PgliteDatabase, type SqlDatabase } from '@polyshop/stores';
import type { EventBus, RetryPolicy } from '../../src/index.ts';
import { anEvent } from '../support/an-event.ts';
import type { BusNamespace, EventBusTarget } from '../support/bus-targets.ts';
import { eventually } from '@polyshop/testing';

interface DeadLetterSeen {
  consumer: string;
  eventId: string;
  error: string;
  attempts: number;
}

/** Records what a handler was given, in order. */
function recorder() {
  const seen: EventEnvelope[] = [];
  return {
    seen,
    ids: () => seen.map((e) => e.id),
    handler: async (event: EventEnvelope) => void seen.push(event),
  };
}

/**
 * The EventBus port's behaviour, on one adapter (`target` makes isolated namespaces of it). Tests of
 * durability across buses run only where `target.durable` says the adapter keeps events.
 */
export function eventBusContract(target: EventBusTarget): void {
  let namespace: BusNamespace;
  let deadLetters: DeadLetterSeen[];
  const onDeadLetter: RetryPolicy['onDeadLetter'] = (consumer, event, error, attempts) => {
    deadLetters.push({ consumer, eventId: event.id, error: (error as Error).message, attempts });
  };
  const open = (policy?: RetryPolicy): Promise<EventBus> => namespace.open({ onDeadLetter, ...policy });

  beforeEach(async () => {
    deadLetters = [];
    namespace = await target.namespace();
  });
  afterEach(() => namespace.dispose());

  it('delivers an event to the subscriptions of its type only, and `*` to every type', async () => {
    const bus = await open();
    const shipped = recorder();
    const paid = recorder();
    const all = recorder();
    await bus.subscribe({
      consumer: 'shipping.on-shipped',
      types: ['order.shipped'],
      handler: shipped.handler,
    });
    await bus.subscribe({ consumer: 'billing.on-paid', types: ['order.paid'], handler: paid.handler });
    await bus.subscribe({ consumer: 'audit.everything', types: ['*'], handler: all.handler });
    const ship = anEvent({ type: 'order.shipped' });
    const pay = anEvent({ type: 'order.paid' });
    // Markers published last: once a consumer has its marker, any wrong delivery would have come before it.
    const shipMarker = anEvent({ type: 'order.shipped' });
    const payMarker = anEvent({ type: 'order.paid' });
    for (const event of [ship, pay, shipMarker, payMarker]) await bus.publish(event);
    await eventually(() => shipped.seen.length >= 2 && paid.seen.length >= 2 && all.seen.length >= 4, {
      message: 'every consumer got its markers',
    });
    assert.deepEqual(shipped.ids(), [ship.id, shipMarker.id]);
    assert.deepEqual(paid.ids(), [pay.id, payMarker.id]);
    assert.deepEqual(all.ids(), [ship.id, pay.id, shipMarker.id, payMarker.id]);
  });

  it('fans every event out to each consumer of its type, once each', async () => {
    const bus = await open();
    const consumers = [recorder(), recorder(), recorder()];
    for (const [i, consumer] of consumers.entries()) {
      await bus.subscribe({ consumer: `fan.out-${i}`, types: ['test.happened'], handler: consumer.handler });
    }
    const events = Array.from({ length: 10 }, (_, i) => anEvent({ data: { i } }));
    for (const event of events) await bus.publish(event);
    await eventually(() => consumers.every((c) => c.seen.length >= 10), {
      message: 'each consumer got 10 events',
    });
    for (const consumer of consumers)
      assert.deepEqual(
        consumer.ids(),
        events.map((e) => e.id),
      );
  });

  it('hands a consumer one event at a time, in publish order, even when its handler is slow', async () => {
    const bus = await open();
    const order: number[] = [];
    let running = 0;
    let overlapped = false;
    await bus.subscribe({
      consumer: 'orders.projection',
      types: ['test.happened'],
      handler: async (event) => {
        overlapped ||= running > 0;
        running += 1;
        await new Promise((resolve) => setTimeout(resolve, (event.data as { i: number }).i % 3));
        order.push((event.data as { i: number }).i);
        running -= 1;
      },
    });
    for (let i = 0; i < 30; i++) await bus.publish(anEvent({ aggregateId: 'order-1', data: { i } }));
    await eventually(() => order.length >= 30, { message: '30 events handled' });
    assert.deepEqual(
      order,
      Array.from({ length: 30 }, (_, i) => i),
    );
    assert.equal(overlapped, false, 'the handler never ran twice at once');
  });

  it('retries a failing handler until it succeeds, before the next event', async () => {
    const bus = await open({ maxAttempts: 5 });
    const flaky = anEvent({ data: { i: 1 } });
    const next = anEvent({ data: { i: 2 } });
    const calls: string[] = [];
    await bus.subscribe({
      consumer: 'mailer.send',
      types: ['test.happened'],
      handler: async (event) => {
        calls.push(event.id);
        if (event.id === flaky.id && calls.length < 3) throw new Error('smtp down');
      },
    });
    await bus.publish(flaky);
    await bus.publish(next);
    await eventually(() => calls.includes(next.id), { message: 'the next event was handled' });
    assert.deepEqual(calls, [flaky.id, flaky.id, flaky.id, next.id]);
    assert.deepEqual(deadLetters, []);
  });

  it('dead-letters an event after maxAttempts failures, then moves on to the next', async () => {
    const bus = await open({ maxAttempts: 3 });
    const poison = anEvent({ data: { poison: true } });
    const fine = anEvent();
    const calls: string[] = [];
    await bus.subscribe({
      consumer: 'search.indexer',
      types: ['test.happened'],
      handler: async (event) => {
        calls.push(event.id);
        if (event.id === poison.id) throw new Error('cannot index this');
      },
    });
    await bus.publish(poison);
    await bus.publish(fine);
    await eventually(() => calls.includes(fine.id), { message: 'the next event was handled' });
    assert.deepEqual(calls, [poison.id, poison.id, poison.id, fine.id]);
    assert.deepEqual(deadLetters, [
      { consumer: 'search.indexer', eventId: poison.id, error: 'cannot index this', attempts: 3 },
    ]);
  });

  describe('with an idempotent consumer (handleOnce and its inbox)', () => {
    let db: SqlDatabase;
    before(async () => {
      db = await PgliteDatabase.open();
      await migrate(db, {
        schema: 'contract',
        migrations: [
          {
            version: '0001',
            name: 'effects',
            sql: 'CREATE TABLE contract.effects (event_id uuid NOT NULL, consumer text NOT NULL)',
          },
        ],
      });
    });
    after(() => db?.close());

    it('applies the effect of an event once although the bus delivers it again', async () => {
      const bus = await open({ maxAttempts: 5 });
      const consumer = `ledger.${target.name}.${Date.now()}`;
      const calls = new Map<string, number>();
      await bus.subscribe({
        consumer,
        types: ['test.happened'],
        handler: async (event) => {
          calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
          await handleOnce(db, 'contract', consumer, event, (tx) =>
            tx
              .execute('INSERT INTO contract.effects (event_id, consumer) VALUES ($1, $2)', [
                event.id,
                consumer,
              ])
              .then(() => undefined),
          );
          // The effect committed, then the process "died" before acknowledging: the bus must redeliver.
          if (calls.get(event.id) === 1) throw new Error('crashed after commit');
        },
      });
      const events = Array.from({ length: 5 }, (_, i) => anEvent({ data: { i } }));
      for (const event of events) await bus.publish(event);
      await bus.publish(events[0]!); // a relay republishing after a crash: same event id
      await eventually(() => events.every((e) => (calls.get(e.id) ?? 0) >= 2), {
        message: 'every event was redelivered after its crash',
      });
      const effects = await db.query<{ event_id: string }>(
        'SELECT event_id FROM contract.effects WHERE consumer = $1 ORDER BY event_id',
        [consumer],
      );
      assert.deepEqual(
        effects.map((row) => row.event_id),
        events.map((e) => e.id).sort(),
      );
      assert.deepEqual(deadLetters, []);
    });
  });

  it('redelivers an event to one named consumer only, reporting the handler outcome', async () => {
    const bus = await open();
    const chosen = recorder();
    const other = recorder();
    await bus.subscribe({ consumer: 'notify.email', types: ['test.happened'], handler: chosen.handler });
    await bus.subscribe({ consumer: 'notify.sms', types: ['test.happened'], handler: other.handler });
    await bus.subscribe({
      consumer: 'notify.broken',
      types: ['test.happened'],
      handler: async () => {
        throw new Error('still broken');
      },
    });
    const event = anEvent();
    await bus.redeliver('notify.email', event);
    assert.deepEqual(chosen.ids(), [event.id]);
    assert.deepEqual(other.ids(), []);
    await assert.rejects(bus.redeliver('notify.broken', event), /still broken/);
    await assert.rejects(
      bus.redeliver('notify.nobody', event),
      (error) => error instanceof AppError && error.code === 'EVENTS.CONSUMER_NOT_RUNNING',
    );
  });

  describe(
    'durability across buses (processes)',
    { skip: target.durable ? false : `not supported: the ${target.name} bus keeps no events` },
    () => {
      it('a consumer restarted mid-stream resumes where it stopped: nothing lost, nothing handled twice', async () => {
        const publisher = await open();
        const seen: string[] = [];
        const subscribe = (bus: EventBus) =>
          bus.subscribe({
            consumer: 'warehouse.picker',
            types: ['test.happened'],
            handler: async (event) => void seen.push(event.id),
          });
        const first = await open();
        await subscribe(first);
        const events = Array.from({ length: 20 }, (_, i) => anEvent({ data: { i } }));
        for (const event of events.slice(0, 10)) await publisher.publish(event);
        await eventually(() => seen.length >= 3, { message: 'the first consumer handled some events' });
        await first.close();
        const handledBeforeRestart = seen.length;
        for (const event of events.slice(10)) await publisher.publish(event);
        const second = await open();
        await subscribe(second);
        await eventually(() => seen.length >= 20, { message: 'all 20 events handled' });
        assert.ok(handledBeforeRestart < 20, 'the restart happened mid-stream');
        assert.deepEqual(
          seen,
          events.map((e) => e.id),
          'every event once, in order',
        );
      });

      it('stores an event published once twice (a relay retry) only once', async () => {
        const bus = await open();
        const consumer = recorder();
        const event = anEvent();
        const marker = anEvent();
        await bus.publish(event);
        await bus.publish(event);
        await bus.publish(marker);
        await bus.subscribe({ consumer: 'late.joiner', types: ['test.happened'], handler: consumer.handler });
        await eventually(() => consumer.ids().includes(marker.id), { message: 'the marker arrived' });
        assert.deepEqual(
          consumer.ids(),
          [event.id, marker.id],
          'a consumer subscribing later still gets earlier events, once',
        );
      });

      it('redelivers to a consumer running in another process', async () => {
        const consumerSide = await open();
        const chosen = recorder();
        await consumerSide.subscribe({
          consumer: 'remote.consumer',
          types: ['test.happened'],
          handler: chosen.handler,
        });
        const adminSide = await open();
        const event = anEvent();
        await adminSide.redeliver('remote.consumer', event);
        assert.deepEqual(chosen.ids(), [event.id]);
      });
    },
  );
}
