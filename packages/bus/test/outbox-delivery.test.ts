import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger, type EventEnvelope, type EventPublisher } from '@polyshop/kernel';
import {
  appendToOutbox,
  handleOnce,
  migrate,
  OutboxRelay,
  type SqlDatabase,
  type SqlExecutor,
} from '@polyshop/stores';
import { eventually, postgresTargets } from '@polyshop/testing';
import type { EventBus } from '../src/index.ts';
import { anEvent } from './support/an-event.ts';
import { eventBusTargets, type BusNamespace } from './support/bus-targets.ts';

const SCHEMA = 'shop';
/** Short relay leases, so a "restarted" relay takes over from a crashed one quickly. */
const LEASE_MS = 200;

/** A change and its event in one transaction, as a service's use case does it. */
async function placeOrder(tx: SqlExecutor, orderId: string): Promise<EventEnvelope> {
  await tx.execute(`INSERT INTO ${SCHEMA}.orders (id) VALUES ($1)`, [orderId]);
  const event = anEvent({ type: 'order.placed', aggregateId: orderId, data: { orderId } });
  await appendToOutbox(tx, SCHEMA, [event]);
  return event;
}

/** A relay's publisher that dies after the bus accepted the first event, before the row is marked. */
function crashingAfterFirstPublish(bus: EventPublisher): EventPublisher {
  let crashed = false;
  return {
    async publish(event) {
      await bus.publish(event);
      if (!crashed) {
        crashed = true;
        throw new Error('relay process died between publish and mark');
      }
    },
  };
}

for (const store of postgresTargets()) {
  for (const busTarget of eventBusTargets()) {
    describe(
      `outbox → relay → ${busTarget.name} bus → inbox, on ${store.name}`,
      { skip: store.skip || busTarget.skip },
      () => {
        let db: SqlDatabase;
        let namespace: BusNamespace;
        let bus: EventBus;
        const relays: OutboxRelay[] = [];
        const relay = (publisher: EventPublisher = bus) => {
          const created = new OutboxRelay({
            db,
            schema: SCHEMA,
            publisher,
            logger: silentLogger(),
            intervalMs: 20,
            leaseMs: LEASE_MS,
          });
          relays.push(created);
          return created;
        };
        /** Subscribes an idempotent consumer; resolves its handled events (effects) and raw deliveries. */
        const consume = async (consumer: string) => {
          const deliveries: string[] = [];
          await bus.subscribe({
            consumer,
            types: ['order.placed'],
            handler: async (event) => {
              deliveries.push(event.id);
              await handleOnce(db, SCHEMA, consumer, event, (tx) =>
                tx
                  .execute(`INSERT INTO ${SCHEMA}.shipments (order_id) VALUES ($1)`, [event.aggregateId])
                  .then(() => undefined),
              );
            },
          });
          const effects = async () =>
            (
              await db.query<{ order_id: string }>(`SELECT order_id FROM ${SCHEMA}.shipments ORDER BY seq`)
            ).map((row) => row.order_id);
          return { deliveries, effects };
        };

        before(async () => {
          db = await store.open();
          await migrate(db, {
            schema: SCHEMA,
            migrations: [
              {
                version: '0001',
                name: 'orders',
                sql: `CREATE TABLE ${SCHEMA}.orders (id text PRIMARY KEY);
                    CREATE TABLE ${SCHEMA}.shipments (seq bigserial PRIMARY KEY, order_id text NOT NULL)`,
              },
            ],
          });
        });
        after(() => db && store.close(db));
        beforeEach(async () => {
          await db.exec(`TRUNCATE ${SCHEMA}.orders, ${SCHEMA}.shipments, ${SCHEMA}.outbox, ${SCHEMA}.inbox`);
          namespace = await busTarget.namespace();
          bus = await namespace.open();
        });
        afterEach(async () => {
          await Promise.all(relays.splice(0).map((r) => r.stop()));
          await namespace.dispose();
        });

        it('a rolled-back change emits nothing; a committed one is delivered', async () => {
          const { deliveries, effects } = await consume('shipping.on-order-placed');
          await assert.rejects(
            db.transaction(async (tx) => {
              await placeOrder(tx, 'o-rolled-back');
              throw new Error('payment check failed');
            }),
            /payment check failed/,
          );
          const committed = await db.transaction((tx) => placeOrder(tx, 'o-committed'));
          assert.equal(await relay().flush(), 1, 'only the committed event was in the outbox');
          await eventually(async () => (await effects()).length >= 1, {
            message: 'the committed order was shipped',
          });
          assert.deepEqual(await effects(), ['o-committed']);
          assert.deepEqual(deliveries, [committed.id]);
        });

        it('a committed change reaches the handler exactly once although the relay crashed and republished it', async () => {
          const { deliveries, effects } = await consume('shipping.on-order-placed');
          const event = await db.transaction((tx) => placeOrder(tx, 'o-1'));
          await assert.rejects(
            relay(crashingAfterFirstPublish(bus)).flush(),
            /died between publish and mark/,
          );
          const [row] = await db.query<{ published_at: Date | null }>(
            `SELECT published_at FROM ${SCHEMA}.outbox`,
          );
          assert.equal(row?.published_at, null, 'the crash left the row unmarked');
          const successor = relay();
          assert.equal(await successor.flush(), 0, 'the crashed relay still holds the lease');
          await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 50));
          assert.equal(
            await successor.flush(),
            1,
            'after the lease expired, the restarted relay republished it',
          );
          const marker = await db.transaction((tx) => placeOrder(tx, 'o-2'));
          await successor.flush();
          await eventually(async () => (await effects()).includes('o-2'), {
            message: 'the later order was shipped',
          });
          assert.deepEqual(await effects(), ['o-1', 'o-2'], 'o-1 shipped once');
          assert.ok(deliveries.filter((id) => id === event.id).length >= 1);
          assert.equal(deliveries.at(-1), marker.id);
        });

        it('two relays on one schema publish in commit order', async () => {
          const { effects } = await consume('shipping.in-order');
          const first = relay();
          const second = relay();
          first.start();
          second.start();
          const ids = Array.from({ length: 20 }, (_, i) => `o-${String(i).padStart(2, '0')}`);
          for (const id of ids) {
            await db.transaction((tx) => placeOrder(tx, id));
            (Number(id.slice(2)) % 2 ? first : second).wake();
          }
          await eventually(async () => (await effects()).length >= 20, { message: 'all 20 orders shipped' });
          assert.deepEqual(await effects(), ids);
        });
      },
    );
  }
}
