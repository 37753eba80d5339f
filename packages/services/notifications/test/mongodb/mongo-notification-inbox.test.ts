import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, createEvent, newId, systemClock } from '@polyshop/kernel';
import type { MongoConnection } from '@polyshop/stores';
import { NOTIFICATION_COLLECTIONS } from '../../src/adapters/mongodb/mongo-notification-documents.ts';
import type { InboxDoc } from '../../src/adapters/mongodb/mongo-notification-inbox.ts';
import { MongoNotificationRepository } from '../../src/adapters/mongodb/mongo-notification-repository.ts';
import { aChannel, aNotification } from '../support/builders.ts';
import { mongoRepositoryTarget, type OpenedRepository } from '../support/repository-targets.ts';

const LEASE = { leaseMs: 300, pollMs: 20 };
const target = mongoRepositoryTarget({ inbox: LEASE });
const dueNow = () =>
  aNotification({
    channels: [aChannel('email', { nextAttemptAt: new Date(Date.now() - 1000).toISOString() })],
  });
const orderEvent = () =>
  createEvent(
    'orders',
    { type: 'order.confirmed', aggregateType: 'order', aggregateId: newId(), data: {} },
    systemClock,
  );

/** Ids of the given records that a worker can claim now (claims last a minute). */
async function claimable(repository: MongoNotificationRepository, ids: string[]): Promise<string[]> {
  const now = new Date();
  const claims = await repository.records.claimDue(now, new Date(now.getTime() + 60_000), 1000, ['email']);
  return claims.map((c) => c.record.id).filter((id) => ids.includes(id));
}

describe('MongoNotificationInbox without transactions (mongo-java-server)', { skip: target.skip }, () => {
  let opened: OpenedRepository<MongoNotificationRepository> & { connection: MongoConnection };
  let repository: MongoNotificationRepository;
  before(async () => {
    opened = await target.open();
    repository = opened.repository;
    assert.equal(opened.connection.supportsTransactions, false, 'this suite covers the journaled path');
  });
  after(() => opened?.close());

  it('takes over a handling that outlived its lease: undoes its writes, runs the work once more, and fences the old owner out', async () => {
    const event = orderEvent();
    const userId = `u-${newId()}`;
    const first = dueNow();
    const second = dueNow();
    let paused!: () => void;
    const isPaused = new Promise<void>((resolve) => (paused = resolve));
    let resume!: () => void;
    const gate = new Promise<void>((resolve) => (resume = resolve));

    // The first owner writes, then stalls past its lease (a process that hangs or dies mid-work).
    const stalled = repository.handleOnce('inbox.test', event, async (tx) => {
      await tx.records.create(first);
      await tx.recipients.remember({ userId, email: 'first@example.com', name: 'First' });
      paused();
      await gate;
      await tx.preferences.save({
        userId,
        email: false,
        sms: false,
        push: false,
        phone: null,
        updatedAt: null,
      });
    });
    await isPaused;
    assert.ok(await repository.records.find(first.id), 'the uncommitted record is readable');
    assert.deepEqual(
      await claimable(repository, [first.id]),
      [],
      'but not delivered before its handling commits',
    );

    // The redelivery, in another process, waits out the lease, then takes the handling over.
    const other = new MongoNotificationRepository(opened.connection, { inbox: LEASE });
    assert.equal(await other.handleOnce('inbox.test', event, async (tx) => tx.records.create(second)), true);
    assert.equal(await repository.records.find(first.id), undefined, "the first owner's record is undone");
    assert.equal(await repository.recipients.find(userId), undefined, "the first owner's upsert is undone");
    assert.deepEqual(await claimable(repository, [first.id, second.id]), [second.id]);

    resume();
    await assert.rejects(
      stalled,
      (error: unknown) => error instanceof AppError && error.code === 'NOTIFICATIONS.HANDLING_TAKEN_OVER',
    );
    assert.equal(await repository.preferences.find(userId), undefined, 'the fenced owner wrote nothing more');
    assert.equal(
      await repository.handleOnce('inbox.test', event, async () => assert.fail('handled twice')),
      false,
    );
    const inbox = await opened.connection.db
      .collection<InboxDoc>(NOTIFICATION_COLLECTIONS.inbox)
      .find({ eventId: event.id })
      .toArray();
    assert.deepEqual(
      inbox.map((doc) => [doc.consumer, doc.status, doc.undo]),
      [['inbox.test', 'done', undefined]],
    );
  });

  it('releases the records of a handling that died between its commit and their release when the event comes again', async () => {
    const event = orderEvent();
    const record = dueNow();
    assert.equal(
      await repository.handleOnce('inbox.release', event, async (tx) => tx.records.create(record)),
      true,
    );
    // As the process would have left it: the inbox says done, the record is still held under its token.
    const { token } = (await opened.connection.db
      .collection<InboxDoc>(NOTIFICATION_COLLECTIONS.inbox)
      .findOne({ eventId: event.id }))!;
    await opened.connection.db
      .collection(NOTIFICATION_COLLECTIONS.records)
      .updateOne({ _id: record.id } as never, { $set: { held: token } });
    assert.deepEqual(await claimable(repository, [record.id]), []);

    assert.equal(
      await repository.handleOnce('inbox.release', event, async () => assert.fail('handled twice')),
      false,
    );
    assert.deepEqual(await claimable(repository, [record.id]), [record.id]);
  });

  it('lets a redelivery run the work from scratch after a failed handling, nothing of the failure left', async () => {
    const event = orderEvent();
    const failed = dueNow();
    await assert.rejects(
      repository.handleOnce('inbox.retry', event, async (tx) => {
        await tx.records.create(failed);
        throw new Error('template store hiccup');
      }),
      /hiccup/,
    );
    const inbox = opened.connection.db.collection<InboxDoc>(NOTIFICATION_COLLECTIONS.inbox);
    assert.equal(await inbox.countDocuments({ eventId: event.id }), 0);
    const retried = dueNow();
    assert.equal(
      await repository.handleOnce('inbox.retry', event, async (tx) => tx.records.create(retried)),
      true,
    );
    assert.deepEqual(await claimable(repository, [failed.id, retried.id]), [retried.id]);
  });
});
