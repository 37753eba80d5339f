import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent, ManualClock, newId, silentLogger, type EventEnvelope } from '@polyshop/kernel';
import {
  MongoOutbox,
  MongoOutboxRelay,
  writeMark,
  type MongoConnection,
  type OutboxDocument,
} from '@polyshop/stores';
import { mongoTarget } from '@polyshop/testing';

const target = mongoTarget();
const clock = new ManualClock('2026-03-01T10:00:00.000Z');
const thing = (id: string, n: number) =>
  createEvent('test', { type: 'thing.changed', aggregateType: 'thing', aggregateId: id, data: { n } }, clock);

/** A bus stand-in that records what the relay handed it, in order. */
function recorder() {
  const published: EventEnvelope[] = [];
  return { published, publisher: { publish: async (event: EventEnvelope) => void published.push(event) } };
}

describe(`MongoDB outbox on ${target.name}`, { skip: target.skip }, () => {
  let opened: { connection: MongoConnection; namespace: string };
  let outbox: MongoOutbox;
  const things = () =>
    opened.connection.db.collection<{ _id: string; n: number; writeIds?: string[] }>('things');

  /** A change written through the outbox: the document `things/<id>` gets `n`, marked with the write. */
  const change = (id: string, n: number, events: EventEnvelope[] = [thing(id, n)]) =>
    outbox.write(events, { collection: 'things', id }, async ({ writeId, session }) => {
      await things().updateOne(
        { _id: id },
        { $set: { n }, ...writeMark(writeId) },
        { upsert: true, ...(session ? { session } : {}) },
      );
    });

  /** What a writer that died after staging its events leaves behind (with or without its change done). */
  const crashedWriter = async (id: string, n: number, options: { changed: boolean; stagedAgoMs: number }) => {
    const event = thing(id, n);
    const writeId = newId();
    const document: OutboxDocument = {
      _id: event.id,
      seq: await outbox.allocate(1),
      status: 'pending',
      type: event.type,
      aggregateType: event.aggregateType,
      aggregateId: id,
      envelope: event,
      writeId,
      probe: { collection: 'things', id },
      stagedAt: new Date(Date.now() - options.stagedAgoMs),
    };
    await outbox.collection.insertOne(document);
    if (options.changed)
      await things().updateOne({ _id: id }, { $set: { n }, ...writeMark(writeId) }, { upsert: true });
    return event;
  };

  before(async () => {
    opened = await target.open();
    outbox = new MongoOutbox(opened.connection, 'outbox');
    await outbox.ensureIndexes();
    await outbox.ensureIndexes();
  });
  after(() => target.close(opened));
  const relays: MongoOutboxRelay[] = [];
  const relayOf = (options: ConstructorParameters<typeof MongoOutboxRelay>[0]) => {
    const relay = new MongoOutboxRelay(options);
    relays.push(relay);
    return relay;
  };
  afterEach(async () => {
    // a relay that is not stopped keeps its lease until it expires
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  });
  beforeEach(async () => {
    // every test starts from a published-up-to-date outbox
    await outbox.collection.deleteMany({});
  });

  it('records the change and its events, publishes them in order once, and marks them published', async () => {
    const { published, publisher } = recorder();
    const relay = relayOf({ outbox, publisher, logger: silentLogger() });
    const a = newId();
    const b = newId();
    await change(a, 1);
    await change(b, 1);
    await change(a, 2, [thing(a, 2), thing(a, 3)]);
    assert.deepEqual((await things().findOne({ _id: a }))?.n, 2);
    assert.equal(await relay.flush(), 4);
    assert.deepEqual(
      published.map((event) => [event.aggregateId, (event.data as { n: number }).n]),
      [
        [a, 1],
        [b, 1],
        [a, 2],
        [a, 3],
      ],
    );
    assert.equal(await relay.flush(), 0, 'nothing is published twice');
    assert.equal(await outbox.collection.countDocuments({ status: 'published' }), 4);
    const seqs = (await outbox.collection.find().sort({ seq: 1 }).toArray()).map((document) => document.seq);
    assert.equal(new Set(seqs).size, 4);
  });

  it('keeps no event of a change that failed', async () => {
    const { published, publisher } = recorder();
    const relay = relayOf({ outbox, publisher, logger: silentLogger() });
    await assert.rejects(
      outbox.write([thing('x', 1)], { collection: 'things', id: 'x' }, async () => {
        throw new Error('the change failed');
      }),
      /the change failed/,
    );
    assert.equal(await outbox.collection.countDocuments({}), 0);
    assert.equal(await relay.flush(), 0);
    assert.deepEqual(published, []);
  });

  it('waits for a young pending event (its writer may still confirm it) and publishes nothing after it', async () => {
    const { published, publisher } = recorder();
    const relay = relayOf({ outbox, publisher, logger: silentLogger(), graceMs: 60_000 });
    await crashedWriter('young', 1, { changed: true, stagedAgoMs: 0 });
    await change('later', 1);
    assert.equal(await relay.flush(), 0);
    assert.deepEqual(published, []);
  });

  it('reconciles a crashed writer after the grace period: publishes its event if the change happened, drops it if not, in order', async () => {
    const { published, publisher } = recorder();
    const relay = relayOf({ outbox, publisher, logger: silentLogger(), graceMs: 1000 });
    const happened = await crashedWriter('done', 1, { changed: true, stagedAgoMs: 5000 });
    const lost = await crashedWriter('lost', 1, { changed: false, stagedAgoMs: 5000 });
    await change('after', 1);
    assert.equal(await relay.flush(), 2);
    assert.deepEqual(
      published.map((event) => event.aggregateId),
      ['done', 'after'],
    );
    assert.equal(published[0]!.id, happened.id);
    assert.equal(
      await outbox.collection.countDocuments({ _id: lost.id }),
      0,
      'the event of a change that never happened is gone',
    );
  });

  it('tells a change apart from a later one of the same document (the write marks, not the current state)', async () => {
    const { published, publisher } = recorder();
    const relay = relayOf({ outbox, publisher, logger: silentLogger(), graceMs: 1000 });
    const lost = await crashedWriter('shared', 1, { changed: false, stagedAgoMs: 5000 });
    await change('shared', 2);
    assert.equal(await relay.flush(), 1);
    assert.deepEqual(
      published.map((event) => (event.data as { n: number }).n),
      [2],
    );
    assert.equal(await outbox.collection.countDocuments({ _id: lost.id }), 0);
  });

  it('writes its events again when the reconciler dropped them while the change was still under way', async () => {
    const { published, publisher } = recorder();
    const relay = relayOf({ outbox, publisher, logger: silentLogger() });
    const event = thing('slow', 1);
    await outbox.write([event], { collection: 'things', id: 'slow' }, async ({ writeId }) => {
      // what a reconciler does to a write slower than the grace period, before its change lands
      assert.equal((await outbox.collection.deleteMany({ writeId, status: 'pending' })).deletedCount, 1);
      await things().updateOne({ _id: 'slow' }, { $set: { n: 1 }, ...writeMark(writeId) }, { upsert: true });
    });
    assert.equal((await outbox.collection.findOne({ _id: event.id }))?.status, 'ready');
    assert.equal(await relay.flush(), 1);
    assert.equal(published[0]!.id, event.id);
  });

  it('lets one relay publish at a time (a lease), so two relays never publish an event twice or out of order', async () => {
    const { published, publisher } = recorder();
    const first = relayOf({ outbox, publisher, logger: silentLogger(), batchSize: 3 });
    const second = relayOf({ outbox, publisher, logger: silentLogger(), batchSize: 3 });
    for (let n = 1; n <= 12; n++) await change(`lease-${n % 3}`, n);
    const [a, b] = await Promise.all([first.flush(), second.flush()]);
    assert.ok(a === 0 || b === 0, `one relay held the lease (${a}, ${b})`);
    assert.equal(a + b, 12);
    assert.deepEqual(
      published.map((event) => (event.data as { n: number }).n),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    await first.stop();
    await change('lease-0', 13);
    assert.equal(await second.flush(), 1, 'a stopped relay gives its lease up');
  });

  it('prunes published events past their retention, oldest first, and only under the lease', async () => {
    const { published, publisher } = recorder();
    const relay = relayOf({ outbox, publisher, logger: silentLogger(), retentionMs: 60_000 });
    const other = relayOf({ outbox, publisher, logger: silentLogger(), retentionMs: 60_000 });
    for (let n = 1; n <= 5; n++) await change(`prune-${n}`, n);
    assert.equal(await relay.flush(), 5);
    const oldest = await outbox.collection.find().sort({ seq: 1 }).limit(3).toArray();
    // the three oldest were published two minutes ago, past the one-minute retention
    await outbox.collection.updateMany(
      { _id: { $in: oldest.map((document) => document._id) } },
      { $set: { publishedAt: new Date(Date.now() - 120_000) } },
    );
    await change('prune-6', 6); // not yet published: kept whatever its age
    assert.equal(await other.prune(), 0, 'another relay holds the lease');
    assert.equal(await relay.prune(), 3);
    const left = await outbox.collection.find().sort({ seq: 1 }).toArray();
    assert.deepEqual(
      left.map((document) => [(document.envelope.data as { n: number }).n, document.status]),
      [
        [4, 'published'],
        [5, 'published'],
        [6, 'ready'],
      ],
    );
    assert.equal(await relay.prune(), 0);
    assert.equal(await relay.flush(), 1);
    assert.deepEqual(
      published.map((event) => (event.data as { n: number }).n),
      [1, 2, 3, 4, 5, 6],
    );
  });

  it('writes the change and its events in one transaction on a replica set', async (t) => {
    if (!opened.connection.supportsTransactions) {
      // mongo-java-server has no transactions; this runs on a replica set (the docker-compose MongoDB)
      t.skip('the server has no transactions (not a replica set)');
      return;
    }
    const { published, publisher } = recorder();
    const relay = relayOf({ outbox, publisher, logger: silentLogger() });
    await assert.rejects(
      outbox.write([thing('tx', 1)], { collection: 'things', id: 'tx' }, async ({ writeId, session }) => {
        assert.ok(session, 'the change runs in the session');
        await things().updateOne(
          { _id: 'tx' },
          { $set: { n: 1 }, ...writeMark(writeId) },
          { upsert: true, session },
        );
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.equal(await things().countDocuments({ _id: 'tx' }), 0, 'the aborted change is gone');
    await change('tx', 2);
    assert.equal((await outbox.collection.findOne({ aggregateId: 'tx' }))?.status, 'ready');
    assert.equal(await relay.flush(), 1);
    assert.equal(published.length, 1);
  });
});
