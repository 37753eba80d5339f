import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { createEvent, systemClock, type EventEnvelope } from '@polyshop/kernel';
import type { NotificationRecord, OrderEvent } from '@polyshop/notifications';
import {
  adminToken,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { eventually, skipReason, testServerUrl } from '@polyshop/testing';
import { runMigrateStore, type MigrateStoreCommandOptions } from '../src/cli/migrate-store-command.ts';
import { openMigrationConnections } from '../src/migration/migration-connections.ts';
import { loadPlatformConfig } from '../src/platform-config.ts';

const SERVICE = 'notifications';
const mongoServer = testServerUrl('POLYSHOP_TEST_MONGODB_URL');
const postgresUrl = testServerUrl('POLYSHOP_TEST_DATABASE_URL');
const skip =
  skipReason('POLYSHOP_TEST_MONGODB_URL', mongoServer) ||
  (postgresUrl ? false : 'POLYSHOP_TEST_DATABASE_URL is not set');

let orders = 0;
function orderConfirmed(userId: string): EventEnvelope<OrderEvent> {
  orders += 1;
  const data: OrderEvent = {
    orderId: randomUUID(),
    orderNumber: `ORD-${process.pid}-${orders}`,
    userId,
    customer: { email: `buyer-${orders}@polyshop.test`, name: 'Ada' },
    currency: 'EUR',
    subtotal: '10.00',
    tax: '0.00',
    shipping: '0.00',
    total: '10.00',
    items: [{ sku: 'MUG-1', name: 'Mug', quantity: 1, unitPrice: '10.00', lineTotal: '10.00' }],
  };
  return createEvent(
    'orders',
    { type: 'order.confirmed', aggregateType: 'order', aggregateId: data.orderId, data },
    systemClock,
  );
}

/**
 * The running platform (users and notifications on the real PostgreSQL, MONGODB_URL set) moves its
 * notifications to MongoDB with `polyshop migrate-store notifications` (in process) while order events
 * keep creating notifications, then back to PostgreSQL by a move: each verifies clean, and every event
 * has exactly one notification, listed by the API from the store the service runs on.
 */
describe('polyshop migrate-store notifications, PostgreSQL ⇄ MongoDB, live', { skip }, () => {
  let platform: TestPlatform;
  let token: string;
  let env: Record<string, string>;
  let dataDir: string;

  before(async () => {
    const url = new URL(mongoServer!);
    url.pathname = `/polyshop_t_${randomBytes(5).toString('hex')}`;
    env = { MONGODB_URL: url.toString(), NOTIFICATIONS_POLL_MS: '50' };
    platform = await createTestPlatform({ target: 'postgres', services: ['users', 'notifications'], env });
    token = await adminToken(platform);
    dataDir = mkdtempSync(join(tmpdir(), 'polyshop-migrate-notifications-'));
    env = { ...env, DATABASE_URL: platform.config.DATABASE_URL!, POLYSHOP_DATA_DIR: dataDir };
  });
  after(async () => {
    await platform?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function migrateStore(options: MigrateStoreCommandOptions): Promise<string> {
    const connections = await openMigrationConnections(loadPlatformConfig(env), env, {
      ackTimeoutMs: 15_000,
    });
    const lines: string[] = [];
    try {
      await runMigrateStore(SERVICE, { batchSize: 50, ...options }, connections, (line) => lines.push(line));
      return lines.join('\n');
    } finally {
      await connections.close();
    }
  }

  const readyz = async () =>
    (await platform.app.inject('/readyz')).json<{
      stores: Record<string, { phase: string; reads: string; writes: string }>;
    }>().stores[SERVICE]!;

  /** Every record of the user, through the API (from the store reads go to). */
  async function recordsOf(userId: string): Promise<NotificationRecord[]> {
    const response = await platform.app.inject({
      url: `/notifications?userId=${userId}&limit=200`,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.statusCode, 200, response.body);
    return response.json<{ items: NotificationRecord[] }>().items;
  }

  /** Publishes order events until stopped; resolves to the events published. */
  function startOrders(userId: string) {
    const events: EventEnvelope[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const event = orderConfirmed(userId);
        await platform.bus.publish(event);
        events.push(event);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        return events;
      },
    };
  }

  async function assertOneEach(userId: string, events: EventEnvelope[]): Promise<void> {
    await eventually(
      async () => {
        const records = await recordsOf(userId);
        return events.every((event) =>
          records.some((record) => record.metadata.trigger?.eventId === event.id),
        );
      },
      { timeoutMs: 10_000, message: 'a notification for every order event' },
    );
    const records = await recordsOf(userId);
    for (const event of events) {
      assert.equal(
        records.filter((record) => record.metadata.trigger?.eventId === event.id).length,
        1,
        `notifications of ${event.id}`,
      );
    }
  }

  it(
    'moves notifications to MongoDB through every phase under order events, then back to PostgreSQL',
    { timeout: 60_000 },
    async () => {
      const user = await userWithPermissions(platform, []);
      for (let i = 0; i < 5; i++) await platform.bus.publish(orderConfirmed(user.userId));
      assert.deepEqual(await readyz(), { phase: 'idle', reads: 'postgres', writes: 'postgres' });

      let load = startOrders(user.userId);
      const there = await migrateStore({ to: 'mongodb', yes: true, rate: 100_000 });
      assert.match(there, /notifications: backfill complete/);
      assert.match(
        there,
        /notifications: verify clean: templates \d+\/\d+, preferences .*records \d+\/\d+, inbox \d+\/\d+/,
      );
      assert.match(there, /notifications now runs on mongodb/);
      let events = await load.stop();
      await eventually(async () => (await readyz()).phase === 'finished');
      assert.deepEqual(await readyz(), { phase: 'finished', reads: 'mongodb', writes: 'mongodb' });
      await assertOneEach(user.userId, events);

      load = startOrders(user.userId);
      const back = await migrateStore({ to: 'postgres', yes: true, rate: 100_000 });
      assert.match(back, /notifications: verify clean/);
      assert.match(back, /notifications now runs on postgres/);
      events = [...events, ...(await load.stop())];
      await eventually(
        async () => (await readyz()).reads === 'postgres' && (await readyz()).phase === 'finished',
      );
      await assertOneEach(user.userId, events);
    },
  );
});
