import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createEvent, systemClock, type EventEnvelope } from '@polyshop/kernel';
import type { MigrationRecord, MigrationSide } from '@polyshop/migration';
import { canonicalOf, scanAll } from '@polyshop/migration/testing';
import type { MongoConnection, SqlDatabase } from '@polyshop/stores';
import { mongoTarget, postgresTargets } from '@polyshop/testing';
import { MongoNotificationSide } from '../../src/adapters/migration/mongo-notification-side.ts';
import { NOTIFICATION_KINDS } from '../../src/adapters/migration/notification-migration-kinds.ts';
import { PostgresNotificationSide } from '../../src/adapters/migration/postgres-notification-side.ts';
import { MongoNotificationRepository } from '../../src/adapters/mongodb/mongo-notification-repository.ts';
import {
  migrateNotifications,
  PostgresNotificationRepository,
} from '../../src/adapters/postgres/postgres-notification-repository.ts';
import { replaceChannel } from '../../src/domain/notification.ts';
import type { NotificationRepository } from '../../src/ports/notification-repository.ts';
import { aChannel, aNotification, aTemplate } from '../support/builders.ts';

const anEvent = (): EventEnvelope =>
  createEvent(
    'orders',
    { type: 'order.confirmed', aggregateType: 'order', aggregateId: randomUUID(), data: {} },
    systemClock,
  );

/** One store of the service in a test: its repository (users' writes) and its migration side. */
interface NotificationStore {
  repository: NotificationRepository;
  side: MigrationSide;
  close(): Promise<void>;
}

/** Copies every kind from `from` to `to` (by version) and checks both now hold the same records. */
async function copyAndCompare(from: MigrationSide, to: MigrationSide): Promise<void> {
  for (const kind of NOTIFICATION_KINDS) {
    const records = await scanAll(from, kind, 2);
    await to.upsertIfNewer(kind, records);
    const copied = await scanAll(to, kind, 2);
    assert.deepEqual(canonicalOf(to, kind, copied), canonicalOf(from, kind, records), kind);
    assert.equal(await to.count(kind), records.length, `${kind} count`);
    assert.equal(await to.lastKey(kind), records.at(-1)?.key, `${kind} last key`);
  }
}

const mongo = mongoTarget();
for (const target of postgresTargets()) {
  describe(
    `notification migration sides: ${target.name} ⇄ mongodb`,
    { skip: target.skip || mongo.skip },
    () => {
      let pg: NotificationStore;
      let mg: NotificationStore;

      before(async () => {
        const db: SqlDatabase = await target.open();
        await migrateNotifications(db);
        pg = {
          repository: new PostgresNotificationRepository(db),
          side: new PostgresNotificationSide(db),
          close: () => target.close(db),
        };
        const opened = await mongo.open();
        const connection: MongoConnection = opened.connection;
        const repository = new MongoNotificationRepository(connection);
        await repository.ensureIndexes();
        mg = { repository, side: new MongoNotificationSide(connection), close: () => mongo.close(opened) };
      });

      after(async () => {
        await pg?.close();
        await mg?.close();
      });

      it('copies templates, preferences, the recipient projection and the delivery log both ways, equal by digest', async () => {
        const now = new Date();
        await pg.repository.templates.createInitial(
          aTemplate({ type: 'order_confirmation', channel: 'email' }),
        );
        await pg.repository.templates.saveVersion(
          'order_confirmation',
          'email',
          { subject: 'v2 {{orderNumber}}', body: 'Hello {{name}}', variables: ['orderNumber', 'name'] },
          { createdBy: 'admin', now },
        );
        await pg.repository.preferences.save({
          userId: 'user-1',
          email: true,
          sms: false,
          push: true,
          phone: '+4915112345678',
          updatedAt: now.toISOString(),
        });
        await pg.repository.recipients.remember({ userId: 'user-1', email: 'a@example.com', name: 'Ann' });
        await pg.repository.recipients.remember({ userId: 'user-2', email: 'b@example.com', name: null });
        await pg.repository.recipients.rememberOrder({
          orderId: 'order-1',
          userId: 'user-1',
          orderNumber: 'PS-1',
          email: 'a@example.com',
          name: 'Ann',
        });
        await pg.repository.recipients.erase('user-2', now);
        const ids = [randomUUID(), randomUUID(), randomUUID()];
        for (const id of ids) {
          await pg.repository.records.create(
            aNotification({ id, channels: [aChannel('email'), aChannel('sms')] }),
          );
        }
        // a claim (the lease is data) and an outcome both make the record newer
        const claimed = await pg.repository.records.claimDue(now, new Date(now.getTime() + 60_000), 10, [
          'email',
        ]);
        assert.ok(claimed.length > 0);
        const first = claimed[0]!;
        const email = first.record.channels.find((c) => c.type === 'email')!;
        await pg.repository.records.updateChannel(
          first.record.id,
          {
            ...email,
            status: 'sent',
            attempts: 1,
            sentAt: now.toISOString(),
            nextAttemptAt: null,
            messageId: 'm-1',
          },
          now,
        );

        await copyAndCompare(pg.side, mg.side);
        const [record] = await mg.side.read('records', [first.record.id]);
        assert.ok(record && record.version >= 3, 'created, claimed, settled');

        // the copy serves the other store's repository as its own: the lease holds there
        assert.equal((await mg.repository.records.find(first.record.id))?.channels[0]?.status, 'sent');
        const again = await mg.repository.records.claimDue(now, new Date(now.getTime() + 60_000), 10, [
          'email',
        ]);
        assert.deepEqual(
          again.map((c) => c.record.id).sort(),
          [],
          'the leased email channels are not claimed again on the other store',
        );
        assert.equal((await mg.repository.templates.findLatest('order_confirmation', 'email'))?.version, 2);
        assert.equal((await mg.repository.recipients.find('user-2'))?.erasedAt, now.toISOString());
        assert.equal((await mg.repository.recipients.findOrder('order-1'))?.orderNumber, 'PS-1');

        // writes on MongoDB make its records newer; they come back to PostgreSQL by version
        await mg.repository.preferences.save({
          userId: 'user-1',
          email: false,
          sms: false,
          push: false,
          phone: null,
          updatedAt: new Date(now.getTime() + 1).toISOString(),
        });
        const stored = (await mg.repository.records.find(ids[1]!))!;
        const settled = replaceChannel(
          stored,
          { ...stored.channels[1]!, status: 'failed', attempts: 5, nextAttemptAt: null, error: 'gave up' },
          new Date(now.getTime() + 2).toISOString(),
        );
        assert.ok(settled);
        await mg.repository.records.updateChannel(ids[1]!, settled.channels[1]!, new Date(now.getTime() + 2));
        await mg.repository.recipients.erase('user-1', new Date(now.getTime() + 3));
        await copyAndCompare(mg.side, pg.side);
        assert.equal((await pg.repository.preferences.find('user-1'))?.email, false);
        assert.equal((await pg.repository.recipients.findOrder('order-1'))?.email, null);
      });

      it('copies the inbox: an event handled on one store is skipped on the other', async () => {
        const handle = (repository: NotificationRepository, event: EventEnvelope) =>
          repository.handleOnce('notifications.order.confirmed', event, async (inner) => {
            await inner.recipients.rememberOrder({
              orderId: event.aggregateId,
              userId: 'user-9',
              orderNumber: 'PS-9',
              email: null,
              name: null,
            });
          });
        const onPostgres = anEvent();
        const onMongo = anEvent();
        assert.equal(await handle(pg.repository, onPostgres), true);
        assert.equal(await handle(mg.repository, onMongo), true);
        const copy = async (from: MigrationSide, to: MigrationSide) => {
          for (const kind of ['orders', 'inbox']) await to.upsertIfNewer(kind, await scanAll(from, kind, 2));
        };
        await copy(pg.side, mg.side);
        assert.equal(
          await handle(mg.repository, onPostgres),
          false,
          'handled on PostgreSQL: skipped on MongoDB',
        );
        await copy(mg.side, pg.side);
        for (const kind of ['orders', 'inbox']) {
          const [a, b] = [await scanAll(pg.side, kind, 2), await scanAll(mg.side, kind, 2)];
          assert.deepEqual(canonicalOf(mg.side, kind, b), canonicalOf(pg.side, kind, a), kind);
        }
        assert.equal(
          await handle(pg.repository, onMongo),
          false,
          'handled on MongoDB: skipped on PostgreSQL',
        );
        const keys = (await scanAll(pg.side, 'inbox', 2)).map((record) => record.key);
        assert.ok(keys.includes(`notifications.order.confirmed ${onMongo.id}`), keys.join(', '));
        await pg.side.remove('inbox', [`notifications.order.confirmed ${onMongo.id}`]);
        await mg.side.remove('inbox', [`notifications.order.confirmed ${onMongo.id}`]);
        assert.equal(await handle(pg.repository, onMongo), true, 'removed: handled again');
      });

      it('writes only newer versions unless forced, removes by key', async () => {
        const [record] = await pg.side.scan('records', undefined, 1);
        assert.ok(record);
        const older = {
          ...record,
          version: record.version - 1,
          body: { ...(record.body as object), type: 'stale' },
        };
        for (const side of [pg.side, mg.side]) {
          assert.deepEqual(await side.upsertIfNewer('records', [older]), [], side.store);
          assert.deepEqual(await side.upsertIfNewer('records', [record]), [], `${side.store}: same version`);
          assert.deepEqual(await side.upsertIfNewer('records', [older], { force: true }), [record.key]);
          const [forced] = await side.read('records', [record.key]);
          assert.equal((forced!.body as { type: string }).type, 'stale', side.store);
          assert.equal(
            forced!.version,
            older.version,
            `${side.store}: a forced copy keeps the source's version`,
          );
          assert.deepEqual(await side.upsertIfNewer('records', [record]), [record.key]);
          await side.remove('records', [record.key]);
          assert.deepEqual(await side.read('records', [record.key]), []);
          assert.deepEqual(await side.upsertIfNewer('records', [record]), [record.key]);
        }
      });

      it('writes a batch of absent, older and as-new records by version, each by its own version', async () => {
        const [a, b, c] = await pg.side.scan('records', undefined, 3);
        assert.ok(a && b && c);
        const stale = (record: typeof a) => ({
          ...record,
          version: record.version - 1,
          body: { ...(record.body as object), type: 'stale' },
        });
        for (const side of [pg.side, mg.side]) {
          await side.remove('records', [a.key, b.key, c.key]);
          // b held older, c held as new: a is inserted, b replaced, c left
          await side.upsertIfNewer('records', [stale(b), c]);
          assert.deepEqual(
            await side.upsertIfNewer('records', [a, b, { ...stale(c), version: c.version }]),
            [a.key, b.key],
            side.store,
          );
          const shown = (records: MigrationRecord[]) =>
            records
              .map((r) => [r.key, r.version, (r.body as { type: string }).type])
              .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
          assert.deepEqual(
            shown(await side.read('records', [a.key, b.key, c.key])),
            shown([a, b, c]),
            side.store,
          );
        }
      });

      it('drops everything of the service', async () => {
        await mg.side.drop();
        for (const kind of NOTIFICATION_KINDS) assert.equal(await mg.side.count(kind), 0, kind);
      });
    },
  );
}
