import type { MigrationRecord, MigrationSide, UpsertOptions } from '@polyshop/migration';
import { bulkWriteSkippingTaken, type MongoConnection } from '@polyshop/stores';
import type { AnyBulkWriteOperation, BulkWriteResult, Collection, Document, Filter } from 'mongodb';
import type { NotificationRecord } from '../../domain/notification.ts';
import type { NotificationPreferences } from '../../domain/preferences.ts';
import type { KnownRecipient, OrderRecipient } from '../../domain/recipient.ts';
import type { NotificationTemplate } from '../../domain/template.ts';
import {
  NOTIFICATION_COLLECTIONS,
  orderRecipientFromDoc,
  preferencesFromDoc,
  recipientFromDoc,
  recordDoc,
  recordFromDoc,
  templateDoc,
  templateFromDoc,
  type OrderRecipientDoc,
  type PreferenceDoc,
  type RecipientDoc,
  type RecordDoc,
  type TemplateDoc,
} from '../mongodb/mongo-notification-documents.ts';
import type { InboxDoc } from '../mongodb/mongo-notification-inbox.ts';
import { newStamp } from '../mongodb/mongo-scope.ts';
import {
  canonicalNotificationRecord,
  inboxKey,
  inboxRecord,
  NOTIFICATION_KINDS,
  notificationKind,
  notificationRecord,
  orderRecord,
  preferencesRecord,
  recipientRecord,
  parseInboxKey,
  templateRecord,
  type HandledEvent,
  type NotificationKind,
} from './notification-migration-kinds.ts';

type AnyDoc = Document & { _id: string; version?: number };

const COLLECTION: Record<Exclude<NotificationKind, 'inbox'>, string> = {
  templates: NOTIFICATION_COLLECTIONS.templates,
  preferences: NOTIFICATION_COLLECTIONS.preferences,
  recipients: NOTIFICATION_COLLECTIONS.recipients,
  orders: NOTIFICATION_COLLECTIONS.orders,
  records: NOTIFICATION_COLLECTIONS.records,
};

/** The keys of the records whose operation inserted a document (an upsert that found none). */
function upsertedKeys(records: readonly MigrationRecord[], result: BulkWriteResult | undefined): string[] {
  const upserted = new Set(Object.keys(result?.upsertedIds ?? {}).map(Number));
  return records.filter((_, index) => upserted.has(index)).map((record) => record.key);
}

const handledRecord = ({ consumer, eventId }: InboxDoc) => inboxRecord({ consumer, eventId });

/** An inbox entry is a handled event once its handling committed (`done`). */
const HANDLED = { status: 'done' as const };

/**
 * Records an inbox handling without transactions created and has not committed yet (`held`): not
 * records yet (the handling may be undone); the copy after its commit finds them released.
 */
const VISIBLE = { held: { $exists: false } };

function toMigrationRecord(kind: Exclude<NotificationKind, 'inbox'>, doc: AnyDoc): MigrationRecord {
  const version = doc.version ?? 0;
  switch (kind) {
    case 'templates':
      return templateRecord(templateFromDoc(doc as unknown as TemplateDoc));
    case 'preferences':
      return preferencesRecord(preferencesFromDoc(doc as unknown as PreferenceDoc), version);
    case 'recipients':
      return recipientRecord(recipientFromDoc(doc as unknown as RecipientDoc), version);
    case 'orders':
      return orderRecord(orderRecipientFromDoc(doc as unknown as OrderRecipientDoc), version);
    case 'records':
      return notificationRecord(recordFromDoc(doc as unknown as RecordDoc), version);
  }
}

/** The document a copy stores (a fresh `stamp`: the copy is the document's latest write). */
function toDoc(kind: Exclude<NotificationKind, 'inbox'>, record: MigrationRecord): AnyDoc {
  const stamp = newStamp();
  switch (kind) {
    case 'templates':
      return templateDoc(record.body as NotificationTemplate, stamp);
    case 'preferences': {
      const p = record.body as NotificationPreferences;
      return {
        _id: p.userId,
        email: p.email,
        sms: p.sms,
        push: p.push,
        phone: p.phone,
        updatedAt: p.updatedAt ? new Date(p.updatedAt) : new Date(0),
        stamp,
        version: record.version,
      };
    }
    case 'recipients': {
      const r = record.body as KnownRecipient;
      return {
        _id: r.userId,
        email: r.email,
        name: r.name,
        erasedAt: r.erasedAt ? new Date(r.erasedAt) : null,
        stamp,
        version: record.version,
      };
    }
    case 'orders': {
      const o = record.body as OrderRecipient;
      return {
        _id: o.orderId,
        userId: o.userId,
        orderNumber: o.orderNumber,
        email: o.email,
        name: o.name,
        stamp,
        version: record.version,
      };
    }
    case 'records':
      return recordDoc(record.body as NotificationRecord, {
        stamp,
        version: record.version,
      });
  }
}

/**
 * The notification service in MongoDB as the migration engine reads and writes it: `_id` order
 * (binary, the code-point order PostgreSQL's side uses), writes by `version` without inbox entries.
 * A write by version inserts the batch first (a backfill's usual case: the target holds none of it);
 * a record whose `_id` is taken is skipped when the held version is as new or newer, else replaced
 * filtered on `version < new` with upsert: when the stored document became as new or newer meanwhile
 * the filter misses and the upsert's insert meets the `_id` index, which means "skip".
 * Template versions are immutable: one is inserted when missing (replaced only when forced).
 */
export class MongoNotificationSide implements MigrationSide {
  readonly store = 'mongodb';
  readonly kinds = NOTIFICATION_KINDS;
  readonly #db: MongoConnection['db'];

  constructor(connection: Pick<MongoConnection, 'db'>) {
    this.#db = connection.db;
  }

  #collection(kind: Exclude<NotificationKind, 'inbox'>): Collection<AnyDoc> {
    return this.#db.collection<AnyDoc>(COLLECTION[kind]);
  }

  get #inbox(): Collection<InboxDoc> {
    return this.#db.collection<InboxDoc>(NOTIFICATION_COLLECTIONS.inbox);
  }

  #visible(kind: Exclude<NotificationKind, 'inbox'>, filter: Filter<AnyDoc>): Filter<AnyDoc> {
    return kind === 'records' ? { ...filter, ...VISIBLE } : filter;
  }

  async scan(kind: string, after: string | undefined, limit: number): Promise<MigrationRecord[]> {
    const k = notificationKind(kind);
    if (k === 'inbox') {
      const from = after === undefined ? undefined : parseInboxKey(after);
      const docs = await this.#inbox
        .find({
          ...HANDLED,
          ...(from
            ? {
                $or: [
                  { consumer: { $gt: from.consumer } },
                  { consumer: from.consumer, eventId: { $gt: from.eventId } },
                ],
              }
            : {}),
        })
        .sort({ consumer: 1, eventId: 1 })
        .limit(limit)
        .toArray();
      return docs.map(handledRecord);
    }
    const docs = await this.#collection(k)
      .find(this.#visible(k, after === undefined ? {} : { _id: { $gt: after } }))
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map((doc) => toMigrationRecord(k, doc));
  }

  async lastKey(kind: string): Promise<string | undefined> {
    const k = notificationKind(kind);
    if (k === 'inbox') {
      const last = await this.#inbox.findOne(HANDLED, { sort: { consumer: -1, eventId: -1 } });
      return last ? inboxKey(last.consumer, last.eventId) : undefined;
    }
    const last = await this.#collection(k).findOne(this.#visible(k, {}), {
      projection: { _id: 1 },
      sort: { _id: -1 },
    });
    return last?._id;
  }

  async read(kind: string, keys: readonly string[]): Promise<MigrationRecord[]> {
    if (keys.length === 0) return [];
    const k = notificationKind(kind);
    if (k === 'inbox') {
      const docs = await this.#inbox.find({ ...HANDLED, $or: keys.map(parseInboxKey) }).toArray();
      return docs.map(handledRecord);
    }
    const docs = await this.#collection(k)
      .find(this.#visible(k, { _id: { $in: [...keys] } }))
      .toArray();
    return docs.map((doc) => toMigrationRecord(k, doc));
  }

  async upsertIfNewer(
    kind: string,
    records: readonly MigrationRecord[],
    options: UpsertOptions = {},
  ): Promise<string[]> {
    const k = notificationKind(kind);
    if (k === 'inbox') return this.#addHandled(records);
    const collection = this.#collection(k);
    const docs = records.map((record) => toDoc(k, record));
    if (k === 'templates' && !options.force) {
      const { result } = await bulkWriteSkippingTaken(
        collection,
        docs.map(({ _id, ...fields }): AnyBulkWriteOperation<AnyDoc> => ({
          updateOne: { filter: { _id }, update: { $setOnInsert: fields }, upsert: true },
        })),
      );
      return upsertedKeys(records, result);
    }
    if (options.force) {
      const { taken } = await bulkWriteSkippingTaken(
        collection,
        docs.map(({ _id, ...fields }): AnyBulkWriteOperation<AnyDoc> => ({
          replaceOne: { filter: { _id }, replacement: fields, upsert: true },
        })),
      );
      return records.filter((_, index) => !taken.has(index)).map((record) => record.key);
    }
    // the whole batch inserted in one round trip, on the `_id` index alone (a write filtered on `_id`
    // and `version` scans the whole collection per operation on mongo-java-server: a backfill was
    // quadratic); then the records whose `_id` was taken, by version
    const { taken } = await bulkWriteSkippingTaken(
      collection,
      docs.map((document): AnyBulkWriteOperation<AnyDoc> => ({ insertOne: { document } })),
    );
    const older = await this.#olderHeld(collection, records, taken);
    // the stored document is as new or newer when the upsert's insert meets its `_id` (`taken`)
    const { taken: newer } = await bulkWriteSkippingTaken(
      collection,
      older.map((index): AnyBulkWriteOperation<AnyDoc> => {
        const { _id, ...fields } = docs[index]!;
        const { version } = records[index]!;
        const filter = { _id, $or: [{ version: { $lt: version } }, { version: { $exists: false } }] };
        return { replaceOne: { filter, replacement: fields, upsert: true } };
      }),
    );
    const skipped = new Set(taken);
    older.forEach((index, at) => newer.has(at) || skipped.delete(index));
    return records.filter((_, index) => !skipped.has(index)).map((record) => record.key);
  }

  /**
   * Of the `taken` records, those the target holds at an older version (or without one, or no longer
   * holds): the ones still to write by version. One read of the held versions by `_id`; a record
   * held as new or newer is skipped on it (a stored version only grows).
   */
  async #olderHeld(
    collection: Collection<AnyDoc>,
    records: readonly MigrationRecord[],
    taken: ReadonlySet<number>,
  ): Promise<number[]> {
    if (taken.size === 0) return [];
    const indexes = [...taken];
    const held = await collection
      .find({ _id: { $in: indexes.map((index) => records[index]!.key) } }, { projection: { version: 1 } })
      .toArray();
    const versions = new Map(held.map((doc) => [doc._id, doc.version]));
    return indexes.filter((index) => {
      const version = versions.get(records[index]!.key);
      return version === undefined || version < records[index]!.version;
    });
  }

  async remove(kind: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const k = notificationKind(kind);
    if (k === 'inbox') {
      await this.#inbox.deleteMany({ $or: keys.map(parseInboxKey) });
      return;
    }
    await this.#collection(k).deleteMany({ _id: { $in: [...keys] } });
  }

  count(kind: string): Promise<number> {
    const k = notificationKind(kind);
    if (k === 'inbox') return this.#inbox.countDocuments(HANDLED);
    return this.#collection(k).countDocuments(this.#visible(k, {}));
  }

  canonical(kind: string, body: unknown): unknown {
    return canonicalNotificationRecord(kind, body);
  }

  async drop(): Promise<void> {
    for (const kind of NOTIFICATION_KINDS) {
      if (kind === 'inbox') await this.#inbox.deleteMany({});
      else await this.#collection(kind).deleteMany({});
    }
  }

  /**
   * Marks events handled (a copy of the other store's inbox): an entry that exists — handled, or being
   * handled here — is left as it is.
   */
  async #addHandled(records: readonly MigrationRecord[]): Promise<string[]> {
    const now = new Date();
    const { result } = await bulkWriteSkippingTaken(
      this.#inbox,
      records.map((record): AnyBulkWriteOperation<InboxDoc> => {
        const { consumer, eventId } = record.body as HandledEvent;
        return {
          updateOne: {
            filter: { consumer, eventId },
            update: {
              $setOnInsert: {
                consumer,
                eventId,
                eventType: '',
                status: 'done',
                token: newStamp(),
                startedAt: now,
                handledAt: now,
              },
            },
            upsert: true,
          },
        };
      }),
    );
    return upsertedKeys(records, result);
  }

  /** The keys of a user's delivery-log records (what an erasure rewrote). */
  async recordKeysOfUser(userId: string): Promise<string[]> {
    const docs = await this.#collection('records')
      .find({ 'recipient.userId': userId }, { projection: { _id: 1 } })
      .toArray();
    return docs.map((doc) => doc._id);
  }

  /** The keys of a user's orders in the projection (what an erasure blanked). */
  async orderKeysOfUser(userId: string): Promise<string[]> {
    const docs = await this.#collection('orders')
      .find({ userId }, { projection: { _id: 1 } })
      .toArray();
    return docs.map((doc) => doc._id);
  }
}
