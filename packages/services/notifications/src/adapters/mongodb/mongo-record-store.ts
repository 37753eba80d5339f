import type { Collection, Filter } from 'mongodb';
import {
  claimDueChannels,
  eraseRecipientData,
  replaceChannel,
  type ChannelDelivery,
  type ChannelType,
  type NotificationRecord,
} from '../../domain/notification.ts';
import type {
  ClaimedNotification,
  NotificationPage,
  NotificationQuery,
  NotificationRecordStore,
} from '../../ports/notification-repository.ts';
import {
  NOTIFICATION_COLLECTIONS,
  recordDoc,
  recordFromDoc,
  type RecordDoc,
} from './mongo-notification-documents.ts';
import { newStamp, type MongoScope } from './mongo-scope.ts';
import { decodeRecordCursor, encodeRecordCursor } from '../../domain/record-cursor.ts';

/**
 * The delivery log in `notifications_records`: one document per notification, shaped as in the seed.
 * A claim is one conditional `findOneAndUpdate` per record (the due channels' next attempt moves to the
 * lease end, `arrayFilters` picking them); every other change rewrites the record compare-and-set on
 * its `stamp`, so an outcome and a claim or erasure of the same record never overwrite each other.
 */
export class MongoRecordStore implements NotificationRecordStore {
  readonly #scope: MongoScope;
  readonly #records: Collection<RecordDoc>;

  constructor(scope: MongoScope) {
    this.#scope = scope;
    this.#records = scope.db.collection<RecordDoc>(NOTIFICATION_COLLECTIONS.records);
  }

  async create(record: NotificationRecord): Promise<void> {
    const stamp = await this.#scope.prepareWrite(this.#records, { ids: [record.id], before: [] });
    await this.#records.insertOne(
      recordDoc(record, { stamp, held: this.#scope.journal?.token }),
      this.#scope.options,
    );
  }

  async find(id: string): Promise<NotificationRecord | undefined> {
    const doc = await this.#records.findOne({ _id: id }, this.#scope.options);
    return doc ? recordFromDoc(doc) : undefined;
  }

  async list(query: NotificationQuery): Promise<NotificationPage> {
    const filter: Filter<RecordDoc> = {};
    if (query.userId !== undefined) filter['recipient.userId'] = query.userId;
    if (query.type !== undefined) filter.type = query.type;
    if (query.status !== undefined) filter.status = query.status;
    const created: { $gte?: Date; $lt?: Date; $lte?: Date } = {};
    if (query.from !== undefined) created.$gte = new Date(query.from);
    if (query.to !== undefined) created.$lt = new Date(query.to);
    if (query.cursor !== undefined) {
      const position = decodeRecordCursor(query.cursor);
      const [createdAt, id] = [new Date(position.createdAt), position.id];
      // the $lte bound lets the index scan start at the cursor; the $or settles ties on createdAt by _id
      created.$lte = createdAt;
      filter.$or = [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: id } }];
    }
    if (Object.keys(created).length > 0) filter.createdAt = created;
    const docs = await this.#records
      .find(filter, this.#scope.options)
      .sort({ createdAt: -1, _id: -1 })
      .limit(query.limit + 1)
      .toArray();
    const items = docs.slice(0, query.limit).map(recordFromDoc);
    return {
      items,
      nextCursor: docs.length > query.limit ? encodeRecordCursor(items[items.length - 1]!) : null,
    };
  }

  async claimDue(
    now: Date,
    leaseUntil: Date,
    limit: number,
    types: readonly ChannelType[],
  ): Promise<ClaimedNotification[]> {
    const due = { status: 'pending', type: { $in: [...types] }, nextAttemptAt: { $lte: now } };
    const claimed: ClaimedNotification[] = [];
    // Not journaled: a claim only moves due times to the lease end, and a lease lapses by itself.
    while (claimed.length < limit) {
      // Atomic per record: of workers racing for one record, one takes its due channels and the
      // others' filters no longer match it, so they take the next record instead of waiting.
      const before = await this.#records.findOneAndUpdate(
        // dueAt (sparse index, earliest first) narrows to records with something due; $elemMatch keeps
        // records due only on other channels from crowding out the ones this worker can take.
        { dueAt: { $lte: now }, held: { $exists: false }, channels: { $elemMatch: due } },
        {
          $set: { 'channels.$[due].nextAttemptAt': leaseUntil, stamp: newStamp() },
          $inc: { version: 1 },
        },
        {
          arrayFilters: [
            { 'due.status': due.status, 'due.type': due.type, 'due.nextAttemptAt': due.nextAttemptAt },
          ],
          sort: { dueAt: 1 },
          returnDocument: 'before',
          ...this.#scope.options,
        },
      );
      if (!before) break;
      // The state the update applied to, so the channels it moved are exactly the due ones in it.
      const { record, claimed: channels } = claimDueChannels(
        recordFromDoc(before),
        types,
        now.toISOString(),
        leaseUntil.toISOString(),
      );
      claimed.push({ record, channels });
    }
    return claimed;
  }

  updateChannel(id: string, channel: ChannelDelivery, now: Date): Promise<NotificationRecord | undefined> {
    return this.#modify(id, (record) => replaceChannel(record, channel, now.toISOString()));
  }

  async eraseRecipient(userId: string, now: Date): Promise<number> {
    const ids = await this.#records
      .find({ 'recipient.userId': userId }, { projection: { _id: 1 }, ...this.#scope.options })
      .toArray();
    let erased = 0;
    for (const { _id } of ids) {
      if (await this.#modify(_id, (record) => eraseRecipientData(record, now.toISOString()))) erased += 1;
    }
    return erased;
  }

  /**
   * Reads a record, applies `change`, and writes it back only if nobody wrote it meanwhile (same
   * `stamp`), else starts over. Resolves to undefined when the record is gone or `change` declines.
   */
  async #modify(
    id: string,
    change: (record: NotificationRecord) => NotificationRecord | undefined,
  ): Promise<NotificationRecord | undefined> {
    for (;;) {
      const doc = await this.#records.findOne({ _id: id }, this.#scope.options);
      if (!doc) return undefined;
      const next = change(recordFromDoc(doc));
      if (!next) return undefined;
      const stamp = await this.#scope.prepareWrite(this.#records, { ids: [id], before: [doc] });
      const written = await this.#records.replaceOne(
        { _id: id, stamp: doc.stamp },
        recordDoc(next, { stamp, held: doc.held, version: (doc.version ?? 0) + 1 }),
        this.#scope.options,
      );
      if (written.matchedCount === 1) return next;
    }
  }
}
