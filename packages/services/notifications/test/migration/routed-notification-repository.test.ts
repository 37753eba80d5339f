import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import { MovableStores, type MigrationRecord, type Phase, type UpsertOptions } from '@polyshop/migration';
import type { MongoConnection, SqlDatabase } from '@polyshop/stores';
import { mongoTarget, postgresTargets } from '@polyshop/testing';
import { MongoNotificationSide } from '../../src/adapters/migration/mongo-notification-side.ts';
import { PostgresNotificationSide } from '../../src/adapters/migration/postgres-notification-side.ts';
import {
  RoutedNotificationRepository,
  whileMigrationBusy,
  type OpenNotificationStore,
} from '../../src/adapters/migration/routed-notification-repository.ts';
import { MongoNotificationRepository } from '../../src/adapters/mongodb/mongo-notification-repository.ts';
import {
  migrateNotifications,
  PostgresNotificationRepository,
} from '../../src/adapters/postgres/postgres-notification-repository.ts';
import type { NotificationRecord } from '../../src/domain/notification.ts';
import { aChannel, aNotification } from '../support/builders.ts';

const SERVICE = 'notifications';

/** A MongoDB side whose copies fail while `failing` (the new store cut off). */
class FailableMongoSide extends MongoNotificationSide {
  failing = false;

  override upsertIfNewer(kind: string, records: readonly MigrationRecord[], options?: UpsertOptions) {
    if (this.failing) return Promise.reject(new Error('mongodb cut off'));
    return super.upsertIfNewer(kind, records, options);
  }
}

describe('an outcome refused by the write gate for a moment', () => {
  it('is written again until the gate lets it through, within a bound; other errors are not retried', async () => {
    let calls = 0;
    const busy = () => AppError.unavailable('MIGRATION.CUTOVER_IN_PROGRESS', 'switching');
    const written = await whileMigrationBusy(() => {
      calls += 1;
      return calls < 3 ? Promise.reject(busy()) : Promise.resolve('written');
    });
    assert.deepEqual([written, calls], ['written', 3]);
    await assert.rejects(
      whileMigrationBusy(() => Promise.reject(busy()), 250),
      (error: AppError) => error.code === 'MIGRATION.CUTOVER_IN_PROGRESS',
    );
    calls = 0;
    await assert.rejects(
      whileMigrationBusy(() => {
        calls += 1;
        return Promise.reject(new Error('connection reset'));
      }),
      /connection reset/,
    );
    assert.equal(calls, 1);
  });
});

const mongo = mongoTarget();
for (const target of postgresTargets()) {
  describe(
    `routed notification repository: ${target.name} → mongodb`,
    { skip: target.skip || mongo.skip },
    () => {
      let db: SqlDatabase;
      let opened: { connection: MongoConnection; namespace: string };
      let stores: MovableStores<OpenNotificationStore>;
      let repository: RoutedNotificationRepository;
      let pg: PostgresNotificationRepository;
      let mg: MongoNotificationRepository;
      let mgSide: FailableMongoSide;

      before(async () => {
        db = await target.open();
        await migrateNotifications(db);
        opened = await mongo.open();
        pg = new PostgresNotificationRepository(db);
        mg = new MongoNotificationRepository(opened.connection);
        await mg.ensureIndexes();
        mgSide = new FailableMongoSide(opened.connection);
        stores = await MovableStores.open<OpenNotificationStore>({
          service: SERVICE,
          control: db,
          configuredStore: 'postgres',
          refreshMs: 60_000,
          openStore: (store) =>
            Promise.resolve(
              store === 'postgres'
                ? { repository: pg, side: new PostgresNotificationSide(db), ping: () => db.ping() }
                : { repository: mg, side: mgSide, ping: () => mg.ping() },
            ),
        });
        repository = new RoutedNotificationRepository(stores);
      });
      after(async () => {
        await stores?.stop();
        if (opened) await mongo.close(opened);
        if (db) await target.close(db);
      });

      async function moveTo(phase: Phase): Promise<void> {
        for (let current = (await stores.state.require(SERVICE)).phase; current !== phase;) {
          current = (await stores.state.advance(SERVICE, current)).phase;
        }
        await stores.router.refresh();
      }
      const emailOf = (record: NotificationRecord | undefined) =>
        record?.channels.find((channel) => channel.type === 'email');
      const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

      it('keeps a delivery claimed before the write switch sent once, and a retry due after it, even when the claim could not be copied at once', async () => {
        const now = new Date();
        const due = { nextAttemptAt: now.toISOString() };
        const inFlight = aNotification({ channels: [aChannel('email', due)] });
        const retried = aNotification({ channels: [aChannel('email', due)] });
        const cutOffDue = at(now, 100);
        const cutOff = aNotification({
          channels: [aChannel('email', { nextAttemptAt: cutOffDue.toISOString() })],
        });

        // idle: PostgreSQL only
        await repository.records.create(inFlight);
        assert.equal(await mg.records.find(inFlight.id), undefined);

        await stores.state.start(SERVICE, 'postgres', 'mongodb');
        await moveTo('dual-write');
        await repository.records.create(retried);
        await repository.records.create(cutOff);
        await mgSide.upsertIfNewer(
          'records',
          await new PostgresNotificationSide(db).read('records', [inFlight.id]),
        );
        assert.ok(await mg.records.find(retried.id), 'a new record is copied to MongoDB');

        await moveTo('read-switch');
        // the worker claims on the source of truth (PostgreSQL); the claims reach MongoDB but cutOff's
        const lease = at(now, 60_000);
        const claimed = await repository.records.claimDue(now, lease, 10, ['email']);
        assert.deepEqual(claimed.map((c) => c.record.id).sort(), [inFlight.id, retried.id].sort());
        assert.equal(emailOf(await mg.records.find(inFlight.id))?.nextAttemptAt, lease.toISOString());
        mgSide.failing = true;
        const [late] = await repository.records.claimDue(cutOffDue, lease, 10, ['email']);
        assert.equal(late?.record.id, cutOff.id);
        assert.equal(
          emailOf(await mg.records.find(cutOff.id))?.nextAttemptAt,
          cutOffDue.toISOString(),
          'the copy of the claim failed: MongoDB still has it due',
        );
        assert.equal(
          await stores.state.repairs.size(SERVICE, 'mongodb'),
          1,
          'the failed copy is in the repair log',
        );
        mgSide.failing = false;
        // retried's attempt fails while PostgreSQL is the source of truth: its retry is due in 1 s
        const retryAt = at(now, 1_000);
        await repository.records.updateChannel(
          retried.id,
          {
            ...emailOf(claimed.find((c) => c.record.id === retried.id)!.record)!,
            attempts: 1,
            nextAttemptAt: retryAt.toISOString(),
            error: 'SMTP 451',
          },
          now,
        );

        // the source of truth flips while inFlight and cutOff are being sent
        await moveTo('write-switch');
        assert.equal(stores.describe().writes, 'mongodb');
        const after = await repository.records.claimDue(at(now, 500), at(now, 60_500), 10, ['email']);
        assert.deepEqual(
          after.map((c) => c.record.id),
          [],
          'no lease is claimed again on MongoDB (the failed copy was repaired before writes went on)',
        );
        // the outcomes arrive: written to MongoDB, copied back to PostgreSQL
        for (const id of [inFlight.id, cutOff.id]) {
          const sent = await repository.records.updateChannel(
            id,
            {
              ...emailOf(await mg.records.find(id))!,
              status: 'sent',
              attempts: 1,
              nextAttemptAt: null,
              sentAt: now.toISOString(),
              messageId: `<${id}>`,
            },
            now,
          );
          assert.equal(sent?.status, 'sent', id);
          assert.equal((await pg.records.find(id))?.status, 'sent', `${id} copied to PostgreSQL`);
        }
        // the retry is not lost: due on MongoDB at its time, claimed once
        const retry = await repository.records.claimDue(at(now, 1_500), at(now, 61_500), 10, ['email']);
        assert.deepEqual(
          retry.map((c) => c.record.id),
          [retried.id],
        );
        assert.equal(emailOf(retry[0]!.record)?.attempts, 1);
        assert.deepEqual(
          await repository.records.claimDue(at(now, 1_500), at(now, 61_500), 10, ['email']),
          [],
        );
        assert.deepEqual(
          await repository.records
            .claimDue(at(now, 120_000), at(now, 180_000), 10, ['email'])
            .then((c) => c.map((x) => x.record.id)),
          [retried.id],
          'only the retry, once its lease lapsed: the sent ones never',
        );
        assert.equal(await stores.state.repairs.size(SERVICE, 'mongodb'), 0);
      });
    },
  );
}
