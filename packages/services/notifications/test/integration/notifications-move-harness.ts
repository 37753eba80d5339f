import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { EventEnvelope } from '@polyshop/kernel';
import type { MigrationSide } from '@polyshop/migration';
import { scanAll } from '@polyshop/migration/testing';
import {
  adminToken,
  createTestPlatform,
  liveMoveCases,
  liveServiceMove,
  ROLLBACK_PHASES,
  userWithPermissions,
  type LiveMoveCase,
  type LiveServiceMove,
  type TestPlatform,
} from '@polyshop/platform/testing';
import type { MongoConnection } from '@polyshop/stores';
import { eventually, mongoTarget, testServerUrl } from '@polyshop/testing';
import { MongoNotificationSide } from '../../src/adapters/migration/mongo-notification-side.ts';
import { PostgresNotificationSide } from '../../src/adapters/migration/postgres-notification-side.ts';
import { MongoNotificationRepository } from '../../src/adapters/mongodb/mongo-notification-repository.ts';
import { migrateNotifications } from '../../src/adapters/postgres/postgres-notification-repository.ts';
import type { NotificationRecord } from '../../src/domain/notification.ts';
import { anOrder, orderEvent } from '../support/platform-calls.ts';

export const SERVICE = 'notifications';

/** The MongoDB test server every notifications move runs against (and why it skips). */
export const mongo = mongoTarget();

/**
 * A real SMTP server (`smtp-server`) that counts, per notification (its `X-Polyshop-Notification`
 * header), the messages it accepted and the ones it refused. Each message takes `delayMs` to accept, so
 * deliveries are in flight while the engine changes phase. A message to a `flaky-` address is refused
 * with a transient 451 the first time its notification is seen, so its channel must be retried.
 */
export class CountingSmtp {
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
 * A running platform (users and notifications on `live.source`; notifications configured on
 * `live.from`, `MONGODB_URL` on a fresh database, email through a slow `CountingSmtp` with quick
 * retries) whose notifications move to `live.to` with `polyshop migrate-store notifications`.
 */
export interface NotificationsMove extends LiveServiceMove {
  platform: TestPlatform;
  smtp: CountingSmtp;
  /** A platform admin's token. */
  admin: string;
  close(): Promise<void>;
}

export async function openNotificationsMove(live: LiveMoveCase): Promise<NotificationsMove> {
  const smtp = new CountingSmtp(40);
  await smtp.start();
  const opened: { connection: MongoConnection; namespace: string } = await mongo.open();
  const url = new URL(testServerUrl('POLYSHOP_TEST_MONGODB_URL')!);
  url.pathname = `/${opened.namespace}`;
  let platform: TestPlatform | undefined;
  try {
    platform = await createTestPlatform({
      target: live.source,
      services: ['users', 'notifications'],
      env: {
        NOTIFICATION_STORE: live.from,
        MONGODB_URL: url.toString(),
        SMTP_URL: smtp.url,
        SMTP_FROM: 'polyshop <orders@polyshop.test>',
        NOTIFICATIONS_POLL_MS: '50',
        NOTIFICATIONS_RETRY_BASE_MS: '150',
        NOTIFICATIONS_RETRY_MAX_MS: '400',
        NOTIFICATIONS_MAX_ATTEMPTS: '10',
      },
    });
    const running = platform;
    const db = await running.postgres();
    await migrateNotifications(db);
    await new MongoNotificationRepository(opened.connection).ensureIndexes();
    const side: Record<string, MigrationSide> = {
      postgres: new PostgresNotificationSide(db),
      mongodb: new MongoNotificationSide(opened.connection),
    };
    const move = await liveServiceMove(
      running,
      SERVICE,
      live,
      { mongodb: opened.connection },
      { from: side[live.from]!, to: side[live.to]! },
    );
    return {
      ...move,
      platform: running,
      smtp,
      admin: await adminToken(running),
      async close() {
        await running.dispose();
        await mongo.close(opened);
        await smtp.close();
      },
    };
  } catch (error) {
    await platform?.dispose();
    await mongo.close(opened);
    await smtp.close();
    throw error;
  }
}

/** Order events published while a move runs; `stop` ends them. */
export interface Orders {
  readonly events: EventEnvelope[];
  readonly failures: string[];
  stop(): Promise<void>;
}

/**
 * Publishes an order.confirmed every `everyMs` for one of `users` (every third to a flaky address), at
 * most `max` of them: on a busy machine a slow move would otherwise pile up deliveries and slow itself.
 */
export function startOrders(
  move: NotificationsMove,
  users: { userId: string }[],
  everyMs = 80,
  max = 80,
): Orders {
  const events: EventEnvelope[] = [];
  const failures: string[] = [];
  let stopped = false;
  const running = (async () => {
    for (let i = 0; !stopped && i < max; i++) {
      const user = users[i % users.length]!;
      const email = i % 3 === 0 ? `flaky-${i}@polyshop.test` : `ok-${i}@polyshop.test`;
      const event = orderEvent('order.confirmed', anOrder(user.userId, { customer: { email, name: 'Ada' } }));
      try {
        await move.platform.bus.publish(event);
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

/** Every record `side` holds, once none of them is pending any more. */
export async function settledRecords(side: MigrationSide): Promise<NotificationRecord[]> {
  return eventually(
    async () => {
      const records = (await scanAll(side, 'records', 200)).map(
        (record) => record.body as NotificationRecord,
      );
      return records.every((record) => record.status !== 'pending') && records;
    },
    { message: `every notification on ${side.store} settled`, timeoutMs: 30_000 },
  );
}

/**
 * Each event has one notification in `records`, each notification's email was accepted once by the
 * SMTP server (a refused attempt retried, once), and no email went out for a notification `records`
 * lacks.
 */
export function assertSentOnce(
  smtp: CountingSmtp,
  records: NotificationRecord[],
  events: EventEnvelope[],
): void {
  const byEvent = new Map<string, NotificationRecord[]>();
  for (const record of records) {
    const id = record.metadata.trigger?.eventId;
    if (id) byEvent.set(id, [...(byEvent.get(id) ?? []), record]);
  }
  for (const event of events) assert.equal(byEvent.get(event.id)?.length, 1, `notifications of ${event.id}`);
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The live moves of notifications from `from` to `to`, from PGlite and from the real PostgreSQL, each
 * while order events keep creating notifications and the delivery worker sends them through a slow
 * SMTP server (some refused once): rolled back from `read-switch`, then from `write-switch` (the old
 * store holds every notification, each sent once, claims and retries kept; notifications of events
 * after the rollback are on the old store alone), then moved the whole way (events handled before
 * come again and change nothing: the inbox moved too). Every email is counted at the SMTP server.
 */
export function describeNotificationsMoves(from: 'postgres' | 'mongodb', to: 'postgres' | 'mongodb'): void {
  for (const live of liveMoveCases(from, to, mongo.skip)) {
    describe(`notifications ${live.name}, live`, { skip: live.skip }, () => {
      let move: NotificationsMove;
      let users: { userId: string }[];
      /** Every event published so far, in this describe. */
      const published: EventEnvelope[] = [];

      before(async () => {
        move = await openNotificationsMove(live);
        users = await Promise.all([1, 2, 3].map(() => userWithPermissions(move.platform, [])));
        assert.deepEqual(await move.route(), { phase: 'idle', reads: from, writes: from });
      });
      after(() => move?.close());

      /** Order events while `work` runs (some before it starts): all published, none failed. */
      async function underOrders(work: () => Promise<void>): Promise<void> {
        const orders = startOrders(move, users);
        try {
          await sleep(300);
          await work();
          await sleep(200);
        } finally {
          await orders.stop();
          published.push(...orders.events);
        }
        assert.deepEqual(orders.failures, []);
        assert.ok(orders.events.length > 5, `${orders.events.length} orders during the move`);
      }

      for (const phase of ROLLBACK_PHASES) {
        it(`rolls back from ${phase} under deliveries: each email sent once, and ${from} alone holds the notifications after`, async () => {
          await underOrders(async () => {
            const lines = await move.moveTo(phase);
            assert.match(
              lines.join('\n'),
              /notifications: verify clean: templates \d+\/\d+, .*records \d+\/\d+/,
            );
            const writes = phase === 'write-switch' ? to : from;
            assert.deepEqual(await move.route(), {
              phase,
              reads: to,
              writes,
              mirror: writes === to ? from : to,
            });
            await sleep(400); // notifications created, claimed and sent in this phase
            await move.rollback();
          });
          assertSentOnce(move.smtp, await settledRecords(move.sides.from), published);

          // after the rollback: notifications go to the old store alone, and are sent once
          const later = [0, 1, 2].map((i) =>
            orderEvent(
              'order.confirmed',
              anOrder(users[i]!.userId, { customer: { email: `later-${i}@polyshop.test`, name: 'Ada' } }),
            ),
          );
          for (const event of later) await move.platform.bus.publish(event);
          published.push(...later);
          const records = await settledRecords(move.sides.from);
          assertSentOnce(move.smtp, records, published);
          const ids = records
            .filter((r) => later.some((e) => e.id === r.metadata.trigger?.eventId))
            .map((r) => r.id);
          assert.equal(ids.length, later.length);
          assert.deepEqual(
            await move.sides.to.read('records', ids),
            [],
            `${to} holds notifications made after the rollback`,
          );
        });
      }

      it(`moves the whole way to ${to} under deliveries: each email sent once, events handled before skipped`, async (t) => {
        await underOrders(async () => {
          const lines = (await move.moveTo('finished')).join('\n');
          assert.match(
            lines,
            /notifications: verify clean: templates \d+\/\d+, preferences .*records \d+\/\d+, inbox \d+\/\d+/,
          );
          assert.match(lines, new RegExp(`notifications now runs on ${to}`));
        });
        assert.deepEqual(await move.route(), { phase: 'finished', reads: to, writes: to });
        // events handled before the move (and on either store during it) come again: the inbox moved
        // with the records, so the new store skips them — no second notification, no second email
        for (const event of [...published.slice(0, 5), ...published.slice(-5)])
          await move.platform.bus.publish(event);
        await sleep(500);
        const records = await settledRecords(move.sides.to);
        assertSentOnce(move.smtp, records, published);
        assert.ok(move.smtp.refused.size > 2, 'transient refusals were retried');
        t.diagnostic(
          `${published.length} orders, ${records.length} notifications sent once each, ${move.smtp.refused.size} refused once and retried`,
        );
        const listed: NotificationRecord[] = [];
        for (let cursor: string | null = null; ;) {
          const page: { statusCode: number; body: string; json<T>(): T } = await move.platform.app.inject({
            url: `/notifications?userId=${users[0]!.userId}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            headers: { authorization: `Bearer ${move.admin}` },
          });
          assert.equal(page.statusCode, 200, page.body);
          const body = page.json<{ items: NotificationRecord[]; nextCursor: string | null }>();
          listed.push(...body.items);
          cursor = body.nextCursor;
          if (!cursor) break;
        }
        assert.equal(
          listed.length,
          records.filter((record) => record.recipient.userId === users[0]!.userId).length,
          `the API lists the records ${to} holds`,
        );
      });
    });
  }
}
