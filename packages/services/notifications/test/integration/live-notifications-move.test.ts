import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { EventEnvelope } from '@polyshop/kernel';
import { MigrationEngine, MigrationStateStore, type MigrationSides, type Phase } from '@polyshop/migration';
import {
  adminToken,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { openMongo, type MongoConnection } from '@polyshop/stores';
import { eventually, skipReason, testServerUrl } from '@polyshop/testing';
import { MongoNotificationSide } from '../../src/adapters/migration/mongo-notification-side.ts';
import { PostgresNotificationSide } from '../../src/adapters/migration/postgres-notification-side.ts';
import type { NotificationRecord } from '../../src/domain/notification.ts';
import { anOrder, orderEvent } from '../support/platform-calls.ts';

const MONGO = 'POLYSHOP_TEST_MONGODB_URL';
const mongoServer = testServerUrl(MONGO);
const SERVICE = 'notifications';

/**
 * A real SMTP server (`smtp-server`) that counts, per notification (its `X-Polyshop-Notification`
 * header), the messages it accepted and the ones it refused. Each message takes `delayMs` to accept, so
 * deliveries are in flight while the engine changes phase. A message to a `flaky-` address is refused
 * with a transient 451 the first time its notification is seen, so its channel must be retried.
 */
class CountingSmtp {
  readonly accepted = new Map<string, number>();
  readonly refused = new Map<string, number>();
  readonly #server: SMTPServer;
  #port = 0;

  constructor(delayMs: number) {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        simpleParser(stream).then(
          async (mail) => {
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            const header = mail.headers.get('x-polyshop-notification');
            const id = typeof header === 'string' ? header : 'none';
            const flaky = session.envelope.rcptTo.some((rcpt) => rcpt.address.startsWith('flaky-'));
            if (flaky && !this.refused.has(id)) {
              this.refused.set(id, 1);
              callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
              return;
            }
            this.accepted.set(id, (this.accepted.get(id) ?? 0) + 1);
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#port = (this.#server.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.#port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * The running platform (users + notifications on PGlite, MONGODB_URL set) moves its notifications to
 * MongoDB phase by phase while order events keep creating notifications and the delivery worker keeps
 * sending them through a slow SMTP server (some refused once, transiently): every phase, a clean verify,
 * a rollback from write-switch back to PostgreSQL, then the whole way to finished. Every notification is
 * sent exactly once, counted at the SMTP server, and every refused one was retried and sent.
 */
describe('moving live notifications from PGlite to MongoDB', { skip: skipReason(MONGO, mongoServer) }, () => {
  let smtp: CountingSmtp;
  let platform: TestPlatform;
  let mongo: MongoConnection;
  let engine: MigrationEngine;
  let sides: MigrationSides;
  let admin: string;
  const database = `polyshop_t_${randomBytes(5).toString('hex')}`;

  before(async () => {
    smtp = new CountingSmtp(40);
    await smtp.start();
    const url = new URL(mongoServer!);
    url.pathname = `/${database}`;
    platform = await createTestPlatform({
      target: 'pglite',
      services: ['users', 'notifications'],
      env: {
        MONGODB_URL: url.toString(),
        SMTP_URL: smtp.url,
        SMTP_FROM: 'polyshop <orders@polyshop.test>',
        NOTIFICATIONS_POLL_MS: '50',
        NOTIFICATIONS_RETRY_BASE_MS: '150',
        NOTIFICATIONS_RETRY_MAX_MS: '400',
        NOTIFICATIONS_MAX_ATTEMPTS: '10',
      },
    });
    admin = await adminToken(platform);
    mongo = await openMongo({ url: mongoServer!, database });
    const db = await platform.postgres();
    engine = new MigrationEngine({ state: new MigrationStateStore(db), pollMs: 20 });
    sides = { from: new PostgresNotificationSide(db), to: new MongoNotificationSide(mongo) };
  });
  after(async () => {
    await platform?.dispose();
    await mongo?.db.dropDatabase().catch(() => undefined);
    await mongo?.close();
    await smtp?.close();
  });

  const phaseSeen = async () =>
    (await platform.app.inject('/readyz')).json<{
      stores: Record<string, { phase: string; reads: string; writes: string; mirror?: string }>;
    }>().stores[SERVICE]!;

  /** Through backfill and a clean verify to `phase`. */
  async function moveTo(phase: Phase): Promise<void> {
    for (let current = (await engine.state.require(SERVICE)).phase; current !== phase;) {
      if (current === 'backfill') {
        assert.equal((await engine.runBackfill({ service: SERVICE, sides, batchSize: 20 })).completed, true);
      }
      if (current === 'verify') {
        const report = await engine.verify({ service: SERVICE, sides, batchSize: 50 });
        assert.equal(report.clean, true, JSON.stringify(report.details, null, 1));
      }
      current = (await engine.advance(SERVICE, current)).phase;
    }
    await eventually(async () => (await phaseSeen()).phase === phase);
  }

  /** Publishes an order.confirmed every `everyMs` for one of `users` (every third to a flaky address). */
  function startOrders(users: { userId: string }[], everyMs: number) {
    const events: EventEnvelope[] = [];
    const failures: string[] = [];
    let stopped = false;
    const running = (async () => {
      for (let i = 0; !stopped; i++) {
        const user = users[i % users.length]!;
        const email = i % 3 === 0 ? `flaky-${i}@polyshop.test` : `ok-${i}@polyshop.test`;
        const event = orderEvent(
          'order.confirmed',
          anOrder(user.userId, { customer: { email, name: 'Ada' } }),
        );
        try {
          await platform.bus.publish(event);
          events.push(event);
        } catch (error) {
          failures.push((error as Error).message);
        }
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    })();
    return {
      events,
      failures,
      async stop() {
        stopped = true;
        await running;
      },
    };
  }

  /** Every record of the source of truth, once none is pending any more. */
  async function settledRecords(): Promise<NotificationRecord[]> {
    return eventually(
      async () => {
        const records: NotificationRecord[] = [];
        for (let after: string | undefined; ;) {
          const page = await sides.from.scan('records', after, 200);
          records.push(...page.map((record) => record.body as NotificationRecord));
          if (page.length < 200) break;
          after = page.at(-1)!.key;
        }
        return records.every((record) => record.status !== 'pending') && records;
      },
      { message: 'every notification settled', timeoutMs: 15_000 },
    );
  }

  /** Each event has one notification, each notification's email was accepted once, retried ones included. */
  function assertSentOnce(records: NotificationRecord[], events: EventEnvelope[]): void {
    const byEvent = new Map<string, NotificationRecord[]>();
    for (const record of records) {
      const id = record.metadata.trigger?.eventId;
      if (id) byEvent.set(id, [...(byEvent.get(id) ?? []), record]);
    }
    for (const event of events)
      assert.equal(byEvent.get(event.id)?.length, 1, `notifications of ${event.id}`);
    for (const record of records) {
      const email = record.channels.find((c) => c.type === 'email')!;
      assert.equal(email.status, 'sent', `${record.id}: ${JSON.stringify(email)}`);
      assert.equal(smtp.accepted.get(record.id), 1, `emails accepted for ${record.id}`);
      const refused = smtp.refused.get(record.id) ?? 0;
      assert.equal(email.attempts, 1 + refused, `${record.id}: a refused attempt was retried, once`);
    }
    assert.deepEqual(
      [...smtp.accepted.keys()].filter((id) => !records.some((record) => record.id === id)),
      [],
      'emails of notifications no store holds',
    );
  }

  it(
    'sends every notification once through every phase, a rollback from write-switch, and the move to finished',
    { timeout: 40_000 },
    async (t) => {
      const users = await Promise.all([1, 2, 3].map(() => userWithPermissions(platform, [])));
      const orders = startOrders(users, 60);
      await new Promise((resolve) => setTimeout(resolve, 300));

      await engine.start(SERVICE, 'postgres', 'mongodb');
      await moveTo('write-switch');
      assert.deepEqual(await phaseSeen(), {
        phase: 'write-switch',
        reads: 'mongodb',
        writes: 'mongodb',
        mirror: 'postgres',
      });
      await new Promise((resolve) => setTimeout(resolve, 400)); // notifications created and sent in write-switch
      await engine.rollback(SERVICE, sides);
      await eventually(async () => (await phaseSeen()).phase === 'idle');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const first = orders.events.length;

      await engine.start(SERVICE, 'postgres', 'mongodb');
      await moveTo('finished');
      await orders.stop();
      assert.deepEqual(orders.failures, []);
      assert.ok(first > 5 && orders.events.length > first, `${first} then ${orders.events.length} orders`);

      // events handled on PostgreSQL before the move (and on either store during it) come again: the
      // inbox moved with the records, so MongoDB skips them — no second notification, no second email
      for (const event of orders.events.slice(0, 5)) await platform.bus.publish(event);
      for (const event of orders.events.slice(first - 3, first + 2)) await platform.bus.publish(event);
      await new Promise((resolve) => setTimeout(resolve, 500));

      // the source of truth is MongoDB now: read the records there
      sides = { from: sides.to, to: sides.from };
      const records = await settledRecords();
      assertSentOnce(records, orders.events);
      assert.ok(smtp.refused.size > 2, 'transient refusals were retried');
      t.diagnostic(
        `${orders.events.length} orders (${first} before the rollback), ${records.length} notifications sent once each, ${smtp.refused.size} refused once and retried`,
      );
      const listed = await platform.app.inject({
        url: `/notifications?userId=${users[0]!.userId}&limit=200`,
        headers: { authorization: `Bearer ${admin}` },
      });
      assert.equal(listed.statusCode, 200);
      assert.equal(
        listed.json<{ items: NotificationRecord[] }>().items.length,
        records.filter((record) => record.recipient.userId === users[0]!.userId).length,
        'the API lists the records MongoDB holds',
      );
    },
  );
});
