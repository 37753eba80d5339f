import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@polyshop/kernel';
import type { ClientSession, Collection, Db } from 'mongodb';
import { duplicateKeyIndex } from './mongo-errors.ts';
import type { MongoConnection } from './open-mongodb.ts';

const SEQ_INDEX = 'outbox_seq';

/**
 * The field a document written through the outbox carries: the ids of its latest writes (newest
 * last, at most `WRITE_MARKS_KEPT`). The reconciler looks for a write's id there to learn whether a
 * change whose outbox document was left `pending` by a crashed writer did happen.
 */
export const WRITE_MARKS_FIELD = 'writeIds';
export const WRITE_MARKS_KEPT = 16;

/**
 * `pending`: written before the change it describes (no transaction), not yet confirmed;
 * `ready`: the change happened, publish it; `published`: the bus accepted it.
 */
export type OutboxStatus = 'pending' | 'ready' | 'published';

/** An event in a MongoDB outbox collection; `_id` is the event id. */
export interface OutboxDocument {
  _id: string;
  /** Publication order, allocated from a counter (gapless per allocation, increasing). */
  seq: number;
  status: OutboxStatus;
  type: string;
  aggregateType: string;
  aggregateId: string;
  envelope: EventEnvelope;
  /** The write that recorded it and the document that write marks (see `WRITE_MARKS_FIELD`). */
  writeId: string;
  probe: { collection: string; id: string };
  /** When a `pending` document was written (writer's clock): the reconciler waits a grace period after it. */
  stagedAt: Date;
  publishedAt?: Date;
}

/** Where a write's events should be checked for: the collection and `_id` of a document it writes. */
export interface OutboxProbe {
  collection: string;
  id: string;
}

/**
 * What a write hands to `work`: its id (mark the written documents with `writeMark`) and the session when in
 * a transaction.
 */
export interface OutboxWriteContext {
  writeId: string;
  session?: ClientSession;
}

/**
 * A service's transactional outbox on MongoDB (one collection per service, plus `<name>_meta` for
 * the sequence counter and the relay lease).
 *
 * - **With transactions** (a replica set or mongos): the change and its events commit together
 *   (`session.withTransaction`); events are written `ready`. The sequence counter is updated in the
 *   same transaction, so concurrent writers serialise on it and `seq` order is commit order.
 * - **Without** (a standalone server, mongo-java-server): the events are written first as
 *   `pending` (with the id of the write), then the change, which marks the documents it writes with
 *   that id, then the events are set `ready`. A failed change deletes its pending events. A writer
 *   that dies between the change and `ready` leaves `pending` documents: the relay reconciles them
 *   after a grace period, publishing them if the marked document carries the write's id, dropping
 *   them otherwise (a writer that finds its events dropped after all writes them again, `ready`).
 */
export class MongoOutbox {
  readonly collection: Collection<OutboxDocument>;
  readonly meta: Collection<{ _id: string; value?: number; owner?: string; expiresAt?: Date }>;
  readonly db: Db;
  readonly #connection: Pick<MongoConnection, 'client' | 'supportsTransactions'>;

  constructor(connection: Pick<MongoConnection, 'client' | 'db' | 'supportsTransactions'>, name = 'outbox') {
    this.#connection = connection;
    this.db = connection.db;
    this.collection = connection.db.collection<OutboxDocument>(name);
    this.meta = connection.db.collection(`${name}_meta`);
  }

  get supportsTransactions(): boolean {
    return this.#connection.supportsTransactions;
  }

  /** Creates the outbox's indexes and its sequence counter (idempotent). */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndexes([
      { key: { seq: 1 }, name: SEQ_INDEX, unique: true },
      { key: { status: 1, seq: 1 }, name: 'outbox_status_seq' },
    ]);
    // created here, outside any transaction: two transactions both inserting it would fail on its _id
    await this.meta
      .updateOne({ _id: 'seq' }, { $setOnInsert: { value: 0 } }, { upsert: true })
      .catch((error: unknown) => {
        if (duplicateKeyIndex(error) === undefined) throw error;
      });
  }

  /**
   * Runs `work` (the change) and records `events` with it: in one transaction when the server has
   * them, else staged first and confirmed after (see the class comment). `probe` names a document
   * `work` writes and marks with `writeMark(writeId)`; `work` must leave nothing behind when it throws
   * (without a transaction it undoes its own partial writes).
   */
  async write<T>(
    events: readonly EventEnvelope[],
    probe: OutboxProbe,
    work: (context: OutboxWriteContext) => Promise<T>,
  ): Promise<T> {
    const writeId = randomUUID();
    if (this.supportsTransactions) {
      const session = this.#connection.client.startSession();
      try {
        let result: T | undefined;
        await session.withTransaction(async () => {
          result = await work({ writeId, session });
          if (events.length > 0) await this.#insert(events, 'ready', writeId, probe, session);
        });
        return result as T;
      } finally {
        await session.endSession();
      }
    }
    if (events.length === 0) return work({ writeId });
    await this.#insert(events, 'pending', writeId, probe);
    let result: T;
    try {
      result = await work({ writeId });
    } catch (error) {
      await this.collection.deleteMany({
        _id: { $in: events.map((event) => event.id) },
        writeId,
        status: 'pending',
      });
      throw error;
    }
    await this.#confirm(events, writeId, probe);
    return result;
  }

  /**
   * When the oldest event not yet published was written (`pending` or `ready`; the writer's clock),
   * undefined when none waits: the head of the `status, seq` index (metrics read it when scraped).
   */
  async oldestUnpublished(): Promise<Date | undefined> {
    const oldest = await this.collection.findOne(
      { status: { $in: ['pending', 'ready'] } },
      { sort: { seq: 1 }, projection: { stagedAt: 1 } },
    );
    return oldest?.stagedAt;
  }

  /** Allocates `count` consecutive sequence numbers; returns the first. */
  async allocate(count: number, session?: ClientSession): Promise<number> {
    const counter = await this.meta.findOneAndUpdate(
      { _id: 'seq' },
      { $inc: { value: count } },
      { upsert: true, returnDocument: 'after', ...(session ? { session } : {}) },
    );
    return counter!.value! - count + 1;
  }

  /** Whether the write `writeId` changed the probed document (it carries the write's mark). */
  async happened(document: Pick<OutboxDocument, 'writeId' | 'probe'>): Promise<boolean> {
    const marked = await this.db
      .collection<{ _id: string }>(document.probe.collection)
      .countDocuments({ _id: document.probe.id, [WRITE_MARKS_FIELD]: document.writeId }, { limit: 1 });
    return marked > 0;
  }

  async #insert(
    events: readonly EventEnvelope[],
    status: OutboxStatus,
    writeId: string,
    probe: OutboxProbe,
    session?: ClientSession,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const first = await this.allocate(events.length, session);
      const stagedAt = new Date();
      const documents = events.map<OutboxDocument>((event, index) => ({
        _id: event.id,
        seq: first + index,
        status,
        type: event.type,
        aggregateType: event.aggregateType,
        aggregateId: event.aggregateId,
        envelope: event,
        writeId,
        probe,
        stagedAt,
      }));
      try {
        await this.collection.insertMany(documents, session ? { session } : {});
        return;
      } catch (error) {
        // The counter's $inc is atomic on MongoDB; a server where concurrent increments can hand out
        // the same numbers (mongo-java-server) is caught by the unique seq index: take new numbers.
        if (session || attempt >= 5 || duplicateKeyIndex(error) !== SEQ_INDEX) throw error;
        await this.collection.deleteMany({
          _id: { $in: events.map((event) => event.id) },
          writeId,
          seq: { $gte: first, $lt: first + events.length },
        });
      }
    }
  }

  /**
   * Sets the write's events `ready`; any the reconciler dropped meanwhile (the write looked absent) are
   * written again.
   */
  async #confirm(events: readonly EventEnvelope[], writeId: string, probe: OutboxProbe): Promise<void> {
    const ids = events.map((event) => event.id);
    const confirmed = await this.collection.updateMany(
      { _id: { $in: ids }, writeId, status: 'pending' },
      { $set: { status: 'ready' } },
    );
    if (confirmed.modifiedCount === events.length) return;
    const present = new Set(
      (await this.collection.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()).map(
        (document) => document._id,
      ),
    );
    const missing = events.filter((event) => !present.has(event.id));
    if (missing.length > 0) await this.#insert(missing, 'ready', writeId, probe);
  }
}

/** The update fragment that marks a document as written by `writeId` (keep it in every outbox write). */
export function writeMark(writeId: string): { $push: Record<string, { $each: string[]; $slice: number }> } {
  return { $push: { [WRITE_MARKS_FIELD]: { $each: [writeId], $slice: -WRITE_MARKS_KEPT } } };
}
