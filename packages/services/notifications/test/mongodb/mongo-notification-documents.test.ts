import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MongoConnection } from '@polyshop/stores';
import { NOTIFICATION_COLLECTIONS } from '../../src/adapters/mongodb/mongo-notification-documents.ts';
import type { MongoNotificationRepository } from '../../src/adapters/mongodb/mongo-notification-repository.ts';
import { aChannel, aNotification } from '../support/builders.ts';
import { mongoRepositoryTarget, type OpenedRepository } from '../support/repository-targets.ts';

const target = mongoRepositoryTarget();

describe('notification documents and indexes on MongoDB', { skip: target.skip }, () => {
  let opened: OpenedRepository<MongoNotificationRepository> & { connection: MongoConnection };
  before(async () => {
    opened = await target.open();
  });
  after(() => opened?.close());

  it('stores a record as one seed-shaped document with BSON dates, in a notifications_ collection', async () => {
    const record = aNotification({
      channels: [
        aChannel('email', {
          status: 'sent',
          nextAttemptAt: null,
          sentAt: '2026-01-01T00:00:05.000Z',
          messageId: '<m@x>',
        }),
        aChannel('sms'),
      ],
    });
    await opened.repository.records.create(record);
    await opened.repository.preferences.save({
      userId: 'user-1',
      email: true,
      sms: true,
      push: false,
      phone: null,
      updatedAt: null,
    });
    const doc = await opened.connection.db
      .collection(NOTIFICATION_COLLECTIONS.records)
      .findOne({ _id: record.id as never });
    assert.ok(doc);
    assert.deepEqual(Object.keys(doc).sort(), [
      '_id',
      'channels',
      'createdAt',
      'dueAt',
      'metadata',
      'recipient',
      'stamp',
      'status',
      'template',
      'type',
      'updatedAt',
      'version',
    ]);
    assert.equal(doc.version, 1, 'a new record is at version 1 (the store migration copies by it)');
    assert.ok(doc.createdAt instanceof Date);
    assert.deepEqual(doc.recipient, record.recipient);
    assert.deepEqual(doc.template.variables, record.template.variables);
    assert.ok(doc.channels[0].sentAt instanceof Date);
    assert.equal(doc.channels[0].messageId, '<m@x>');
    assert.ok(doc.channels[1].nextAttemptAt instanceof Date);
    assert.equal(doc.dueAt.toISOString(), record.channels[1]!.nextAttemptAt);
    const collections = (await opened.connection.db.listCollections({}, { nameOnly: true }).toArray()).map(
      (c) => c.name,
    );
    assert.ok(
      collections.length > 0 && collections.every((name) => name.startsWith('notifications_')),
      collections.join(', '),
    );
  });

  it('drops dueAt once nothing is pending, so settled records leave the delivery index', async () => {
    const record = aNotification({ channels: [aChannel('email')] });
    await opened.repository.records.create(record);
    await opened.repository.records.updateChannel(
      record.id,
      aChannel('email', { status: 'sent', attempts: 1, nextAttemptAt: null }),
      new Date(),
    );
    const doc = await opened.connection.db
      .collection(NOTIFICATION_COLLECTIONS.records)
      .findOne({ _id: record.id as never });
    assert.equal(doc?.status, 'sent');
    assert.equal('dueAt' in doc, false);
  });

  it('creates every collection and the query indexes idempotently: delivery log per user, type, status and time, due records, template versions, the inbox key', async () => {
    await opened.repository.ensureIndexes();
    const collections = (await opened.connection.db.listCollections({}, { nameOnly: true }).toArray())
      .map((c) => c.name)
      .sort();
    assert.deepEqual(collections, Object.values(NOTIFICATION_COLLECTIONS).sort());
    const indexes = async (collection: string) =>
      Object.fromEntries(
        (await opened.connection.db.collection(collection).listIndexes().toArray()).map((index) => [
          index.name,
          [index.key, Boolean(index.unique), Boolean(index.sparse)],
        ]),
      );
    const records = await indexes(NOTIFICATION_COLLECTIONS.records);
    assert.deepEqual(records.records_user, [{ 'recipient.userId': 1, createdAt: -1, _id: -1 }, false, false]);
    assert.deepEqual(records.records_type, [{ type: 1, createdAt: -1, _id: -1 }, false, false]);
    assert.deepEqual(records.records_status, [{ status: 1, createdAt: -1, _id: -1 }, false, false]);
    assert.deepEqual(records.records_created, [{ createdAt: -1, _id: -1 }, false, false]);
    assert.deepEqual(records.records_due, [{ dueAt: 1 }, false, true]);
    assert.deepEqual(records.records_held, [{ held: 1 }, false, true]);
    assert.deepEqual((await indexes(NOTIFICATION_COLLECTIONS.templates)).templates_type_channel_version, [
      { type: 1, channel: 1, version: -1 },
      true,
      false,
    ]);
    assert.deepEqual((await indexes(NOTIFICATION_COLLECTIONS.orders)).order_recipients_user, [
      { userId: 1 },
      false,
      false,
    ]);
    assert.deepEqual((await indexes(NOTIFICATION_COLLECTIONS.inbox)).inbox_consumer_event, [
      { consumer: 1, eventId: 1 },
      true,
      false,
    ]);
  });
});
