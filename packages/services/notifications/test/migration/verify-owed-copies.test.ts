import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@polyshop/kernel';
import {
  MigrationEngine,
  MovableStores,
  type MigrationRecord,
  type MigrationSides,
  type UpsertOptions,
} from '@polyshop/migration';
import type { MongoConnection, SqlDatabase } from '@polyshop/stores';
import { eventually, mongoTarget, postgresTargets } from '@polyshop/testing';
import { MongoNotificationSide } from '../../src/adapters/migration/mongo-notification-side.ts';
import { PostgresNotificationSide } from '../../src/adapters/migration/postgres-notification-side.ts';
import {
  RoutedNotificationRepository,
  type OpenNotificationStore,
} from '../../src/adapters/migration/routed-notification-repository.ts';
import { MongoNotificationRepository } from '../../src/adapters/mongodb/mongo-notification-repository.ts';
import {
  migrateNotifications,
  PostgresNotificationRepository,
} from '../../src/adapters/postgres/postgres-notification-repository.ts';
import type { OrderRecipient } from '../../src/domain/recipient.ts';

const SERVICE = 'notifications';

/**
 * PostgreSQL as the new store, answering copies late (`hold`: they wait for it) or not at all
 * (`failing`), as the whole platform's one PGlite connection did under load.
 */
class SlowPostgresSide extends PostgresNotificationSide {
  hold: Promise<void> | undefined;
  failing = false;

  override async upsertIfNewer(kind: string, records: readonly MigrationRecord[], options?: UpsertOptions) {
    if (this.failing) throw new Error('postgres did not answer');
    await this.hold;
    return super.upsertIfNewer(kind, records, options);
  }
}

const anOrder = (orderNumber: string): OrderRecipient => ({
  orderId: newId(),
  userId: 'user-1',
  orderNumber,
  email: 'ada@example.com',
  name: 'Ada',
});

// Issue 14, the whole platform moved back from MongoDB: verify, run under load right after the
// backfill, found an order's recipient projection written during the backfill missing from
// PostgreSQL — its dual-write copy was still under way or had failed into the repair log, which
// verify neither waited for nor read.
const mongo = mongoTarget();
for (const target of postgresTargets()) {
  describe(
    `verify of the notifications moving mongodb → ${target.name}, under dual-write`,
    { skip: target.skip || mongo.skip },
    () => {
      let db: SqlDatabase;
      let opened: { connection: MongoConnection; namespace: string };
      let stores: MovableStores<OpenNotificationStore>;
      let repository: RoutedNotificationRepository;
      let pg: PostgresNotificationRepository;
      let mg: MongoNotificationRepository;
      let sides: MigrationSides & { from: MongoNotificationSide; to: SlowPostgresSide };

      before(async () => {
        db = await target.open();
        await migrateNotifications(db);
        opened = await mongo.open();
        pg = new PostgresNotificationRepository(db);
        mg = new MongoNotificationRepository(opened.connection);
        await mg.ensureIndexes();
        sides = { from: new MongoNotificationSide(opened.connection), to: new SlowPostgresSide(db) };
        stores = await MovableStores.open<OpenNotificationStore>({
          service: SERVICE,
          control: db,
          configuredStore: 'mongodb',
          refreshMs: 60_000,
          openStore: (store) =>
            Promise.resolve(
              store === 'postgres'
                ? { repository: pg, side: sides.to, ping: () => db.ping() }
                : { repository: mg, side: sides.from, ping: () => mg.ping() },
            ),
        });
        repository = new RoutedNotificationRepository(stores);
      });
      after(async () => {
        await stores?.stop();
        if (opened) await mongo.close(opened);
        if (db) await target.close(db);
      });

      it('counts no difference for a copy under way or owed by the repair log, and the retry delivers it', async () => {
        const engine = new MigrationEngine({ state: stores.state, pollMs: 20 });
        await stores.state.start(SERVICE, 'mongodb', 'postgres');
        await stores.state.advance(SERVICE, 'dual-write');
        await stores.router.refresh();
        assert.equal(stores.describe().mirror, 'postgres');

        // an order handled while PostgreSQL does not answer: its copy goes to the repair log
        const owed = anOrder('ORD-1');
        sides.to.failing = true;
        await repository.recipients.rememberOrder(owed);
        sides.to.failing = false;
        assert.equal(await stores.state.repairs.size(SERVICE, 'postgres'), 1);

        // another while PostgreSQL answers late (within the mirror's timeout): verify runs meanwhile
        const late = anOrder('ORD-2');
        let answer!: () => void;
        sides.to.hold = new Promise((resolve) => (answer = resolve));
        const writing = repository.recipients.rememberOrder(late);
        await eventually(() => mg.recipients.findOrder(late.orderId), { message: 'ORD-2 on MongoDB' });
        const answered = new Promise((resolve) => setTimeout(resolve, 1_000)).then(answer);
        const report = await engine.verify({ service: SERVICE, sides, batchSize: 10 });
        await Promise.all([answered, writing]);

        // the late copy landed (no difference); the failed one is a difference the log owes
        assert.deepEqual(
          report.details.map((difference) => [difference.key, difference.type]),
          [[owed.orderId, 'missing']],
        );
        assert.equal(report.clean, false);
        assert.equal(report.owed, 1);
        assert.deepEqual(await pg.recipients.findOrder(late.orderId), late);
        assert.equal(await pg.recipients.findOrder(owed.orderId), undefined);

        // what the log owes is copied by its retry (migrate-store's before read-switch)
        assert.deepEqual(await engine.retryRepairs(SERVICE, sides), { retried: 1, fixed: 1, failed: 0 });
        assert.deepEqual(await pg.recipients.findOrder(owed.orderId), owed);
        const again = await engine.verify({ service: SERVICE, sides, batchSize: 10 });
        assert.deepEqual([again.clean, again.owed], [true, undefined]);
      });
    },
  );
}
