import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, type Db } from 'mongodb';
import {
  adminToken,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { NOTIFICATION_COLLECTIONS } from '../../src/adapters/mongodb/mongo-notification-documents.ts';
import { mongoDatabases } from '../support/store-targets.ts';
import { anOrder, call, channel, orderEvent, settledNotificationOf } from '../support/platform-calls.ts';
import { SmtpSink } from '../support/smtp-sink.ts';

const databases = mongoDatabases();
const CONSUMER = 'notifications.order.confirmed';

describe('notifications on MongoDB through the platform', { skip: databases.skip }, () => {
  after(() => databases.dispose());

  describe('NOTIFICATION_STORE=mongodb', () => {
    let smtp: SmtpSink;
    let platform: TestPlatform;
    let client: MongoClient;
    let db: Db;
    let admin: string;

    before(async () => {
      smtp = await SmtpSink.start();
      const url = databases.url();
      platform = await createTestPlatform({
        target: 'pglite',
        services: ['users', 'notifications'],
        env: {
          NOTIFICATION_STORE: 'mongodb',
          MONGODB_URL: url,
          SMTP_URL: smtp.url,
          SMTP_FROM: 'polyshop <orders@polyshop.test>',
          NOTIFICATIONS_POLL_MS: '50',
        },
      });
      client = await MongoClient.connect(url);
      db = client.db();
      admin = await adminToken(platform);
    });
    after(async () => {
      await platform?.dispose();
      await client?.close();
      await smtp?.close();
    });

    it('turns an order.confirmed event into a record in MongoDB and one email; a redelivered event sends nothing more', async () => {
      const user = await userWithPermissions(platform, []);
      const data = anOrder(user.userId, { customer: { email: user.email, name: 'Ada Lovelace' } });
      const event = orderEvent('order.confirmed', data);
      await platform.bus.publish(event);

      const record = await settledNotificationOf(platform, admin, event, user.userId);
      const mail = await smtp.waitFor(
        (m) => m.subject === `Order Confirmed - ${data.orderNumber}`,
        'the confirmation email',
      );
      assert.match(mail.text ?? '', /Total: 1294\.92 USD/);
      assert.equal(channel(record, 'email').status, 'sent');
      assert.equal(channel(record, 'email').messageId, mail.messageId);
      const records = db.collection(NOTIFICATION_COLLECTIONS.records);
      const stored = await records.findOne({ 'metadata.trigger.eventId': event.id });
      assert.equal(stored?._id, record.id);
      assert.ok(stored?.createdAt instanceof Date);
      assert.equal(stored?.recipient.email, user.email);

      // Again through the bus, and straight to the consumer (as a dead-letter replay does).
      await platform.bus.publish(event);
      await platform.bus.redeliver(CONSUMER, event);
      assert.equal(
        await records.countDocuments({ 'metadata.trigger.eventId': event.id }),
        1,
        'one record for the event',
      );
      const settled = await call(platform, 'GET', `/notifications/${record.id}`, { token: admin });
      assert.equal(settled.json().status, 'sent', 'nothing left pending that could send again');
      assert.equal(
        smtp.messages.filter((m) => m.subject === `Order Confirmed - ${data.orderNumber}`).length,
        1,
        'one email',
      );
      const inbox = await db
        .collection(NOTIFICATION_COLLECTIONS.inbox)
        .find({ consumer: CONSUMER, eventId: event.id })
        .toArray();
      assert.deepEqual(
        inbox.map((doc) => doc.status),
        ['done'],
      );
    });

    it('answers the delivery log from MongoDB with its filters and cursor', async () => {
      const user = await userWithPermissions(platform, ['notifications:read']);
      const events = [1, 2, 3].map(() =>
        orderEvent('order.confirmed', anOrder(user.userId, { customer: { email: user.email, name: 'Ada' } })),
      );
      for (const event of events) await platform.bus.publish(event);
      for (const event of events) await settledNotificationOf(platform, admin, event, user.userId);
      const first = await call(
        platform,
        'GET',
        `/notifications?userId=${user.userId}&type=order_confirmation&status=sent&limit=2`,
        { token: user.token },
      );
      assert.equal(first.statusCode, 200, first.body);
      const page = first.json<{
        items: { metadata: { trigger: { eventId: string } } }[];
        nextCursor: string;
      }>();
      assert.deepEqual(
        page.items.map((r) => r.metadata.trigger.eventId),
        [events[2]!.id, events[1]!.id],
      );
      const second = await call(
        platform,
        'GET',
        `/notifications?userId=${user.userId}&type=order_confirmation&limit=2&cursor=${page.nextCursor}`,
        { token: user.token },
      );
      assert.deepEqual(
        second
          .json()
          .items.map((r: { metadata: { trigger: { eventId: string } } }) => r.metadata.trigger.eventId),
        [events[0]!.id],
      );
      const bad = await call(platform, 'GET', '/notifications?cursor=garbage', { token: user.token });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().field, 'cursor');
    });
  });

  it('POLYSHOP_PROFILE=polyglot runs notifications on MongoDB with no other change', async () => {
    const url = databases.url();
    const platform = await createTestPlatform({
      target: 'pglite',
      services: ['users', 'notifications'],
      env: { POLYSHOP_PROFILE: 'polyglot', MONGODB_URL: url },
    });
    const client = await MongoClient.connect(url);
    try {
      const templates = await client
        .db()
        .collection(NOTIFICATION_COLLECTIONS.templates)
        .countDocuments({ version: 1 });
      assert.ok(templates >= 10, `default templates seeded in MongoDB (${templates})`);
      const admin = await adminToken(platform);
      const sent = await call(platform, 'POST', '/notifications', {
        token: admin,
        body: {
          type: 'welcome',
          recipient: { email: 'poly@example.com' },
          variables: { customerName: 'Poly' },
        },
      });
      assert.equal(sent.statusCode, 201, sent.body);
      assert.ok(
        await client.db().collection(NOTIFICATION_COLLECTIONS.records).findOne({ _id: sent.json().id }),
      );
      const ready = await platform.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200, ready.body);
    } finally {
      await client.close();
      await platform.dispose();
    }
  });
});
