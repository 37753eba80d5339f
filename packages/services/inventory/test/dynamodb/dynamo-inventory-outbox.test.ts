import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { InProcessEventBus } from '@polyshop/bus';
import { ManualClock, silentLogger, type EventEnvelope, type EventPublisher } from '@polyshop/kernel';
import { DynamoOutboxRelay } from '../../src/adapters/dynamodb/dynamo-outbox-relay.ts';
import { nextOutboxKey, type OutboxItem } from '../../src/adapters/dynamodb/dynamo-outbox.ts';
import { adjustStock } from '../../src/app/adjust-stock.ts';
import type { InventoryDeps } from '../../src/app/inventory-deps.ts';
import { reserveStock } from '../../src/app/reserve-stock.ts';
import { setStock } from '../../src/app/set-stock.ts';
import { aSku, T0 } from '../contract/inventory-fixtures.ts';
import { dynamo, openTestTable, type DynamoTestTable } from './dynamo-test-table.ts';

describe(nextOutboxKey.name, () => {
  it('orders a write after the last write of each of its SKUs, even when its clock is behind', () => {
    const first = nextOutboxKey([], 2_000);
    const behind = nextOutboxKey([first, undefined], 1_000);
    assert.ok(behind > first);
    const later = nextOutboxKey([behind], 5_000);
    assert.ok(later > behind);
    assert.ok(later.startsWith('000000000005000.000000.'));
    assert.notEqual(nextOutboxKey([first], 1_000), behind, 'concurrent writes get distinct keys');
  });
});

describe(`inventory outbox on ${dynamo.name}`, { skip: dynamo.skip }, () => {
  let table: DynamoTestTable;
  let deps: InventoryDeps;
  let bus: InProcessEventBus;
  const received: EventEnvelope[] = [];
  let wakes = 0;
  before(async () => {
    table = await openTestTable();
    deps = {
      repository: table.repository(),
      clock: new ManualClock(T0),
      lowStockThreshold: 2,
      eventsRecorded: () => void (wakes += 1),
    };
    bus = new InProcessEventBus({ logger: silentLogger() });
    await bus.subscribe({
      consumer: 'test.inventory',
      types: ['inventory.changed', 'inventory.low'],
      handler: async (event) => void received.push(event),
    });
  });
  after(() => table?.drop());

  const relay = (publisher: EventPublisher = bus) =>
    new DynamoOutboxRelay({
      documents: table.connection.documents,
      tableName: table.tableName,
      publisher,
      logger: silentLogger(),
    });
  /** Publishes what is pending with a relay that then hands its lease back. */
  async function drain(): Promise<number> {
    const once = relay();
    try {
      return await once.flush();
    } finally {
      await once.stop();
    }
  }
  async function outbox(): Promise<OutboxItem[]> {
    const { Items = [] } = await table.connection.documents.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': 'OUTBOX', ':prefix': 'EVENTS#' },
        ConsistentRead: true,
      }),
    );
    return Items as OutboxItem[];
  }
  const eventsIn = (items: OutboxItem[]) =>
    items.map((item) =>
      (JSON.parse(item.events) as EventEnvelope[]).map((e) => `${e.type}:${e.aggregateId}`),
    );

  it('writes the events of each change in one outbox item of its transaction; the relay publishes them in order and deletes them', async () => {
    const sku = aSku();
    const wakesBefore = wakes;
    await setStock(deps, { sku, quantity: 10 });
    await adjustStock(deps, { sku, delta: -9, reason: 'damaged' });
    assert.deepEqual(eventsIn(await outbox()), [
      [`inventory.changed:${sku}`],
      [`inventory.changed:${sku}`, `inventory.low:${sku}`],
    ]);
    assert.equal(wakes - wakesBefore, 2);

    received.length = 0;
    assert.equal(await drain(), 3);
    assert.deepEqual(
      received.map((e) => [e.type, (e.data as { quantity?: number; available: number }).available]),
      [
        ['inventory.changed', 10],
        ['inventory.changed', 1],
        ['inventory.low', 1],
      ],
    );
    assert.deepEqual(await outbox(), []);
  });

  it('records nothing for a refused reservation, and a write whose events cannot be built does not happen', async () => {
    const sku = aSku();
    await setStock(deps, { sku, quantity: 1 });
    await drain();
    const refused = await reserveStock(deps, {
      reservationId: `r-${sku}`,
      items: [{ sku, quantity: 2 }],
      ttlSeconds: 60,
    });
    assert.equal(refused.status, 'insufficient_stock');
    const failing = () => {
      throw new Error('cannot build events');
    };
    await assert.rejects(
      deps.repository.adjust({ sku, delta: 5, reason: 'x' }, { now: T0, events: failing }),
      /cannot build events/,
    );
    assert.deepEqual(await outbox(), []);
    assert.deepEqual(
      [
        (await deps.repository.findStock(sku))?.quantity,
        (await deps.repository.listAdjustments(sku, 10)).length,
      ],
      [1, 1],
    );
  });

  it('one relay publishes at a time: another waits for its lease, and takes over once it stops', async () => {
    const first = relay();
    const second = relay();
    await first.flush();
    await setStock(deps, { sku: aSku(), quantity: 50 });
    assert.equal(await second.flush(), 0, 'the first relay holds the lease');
    assert.equal((await outbox()).length, 1);
    await first.stop();
    assert.equal(await second.flush(), 1);
    await second.stop();
  });

  it('a publish failing part-way through an item publishes only the rest next time (nothing lost)', async () => {
    const sku = aSku();
    await setStock(deps, { sku, quantity: 1 }); // created at the threshold or below: changed and low
    received.length = 0;
    let calls = 0;
    // the bus refuses the second event once (as a broker that went away would)
    const flaky: EventPublisher = {
      publish: (event) => (++calls === 2 ? Promise.reject(new Error('bus unavailable')) : bus.publish(event)),
    };
    const relayOverFlakyBus = relay(flaky);
    await assert.rejects(relayOverFlakyBus.flush(), /bus unavailable/);
    assert.deepEqual(
      (await outbox()).map((item) => item.published),
      [1],
    );
    assert.equal(await relayOverFlakyBus.flush(), 1);
    await relayOverFlakyBus.stop();
    assert.deepEqual(
      received.map((e) => `${e.type}:${e.aggregateId}`),
      [`inventory.changed:${sku}`, `inventory.low:${sku}`],
    );
    assert.deepEqual(await outbox(), []);
  });
});
