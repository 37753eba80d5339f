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
 * A write by version is a replace filtered on `version < new` with upsert: when the stored document is
 * as new or newer the filter misses and the upsert's insert meets the `_id` index, which means "skip".
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
    // one unordered bulk write per batch (a round trip per record before: a backfill's batch of 500
    // took 500 of them)
    const setOnInsert = k === 'templates' && !options.force;
    const operations = records.map((record): AnyBulkWriteOperation<AnyDoc> => {
      const { _id, ...fields } = toDoc(k, record);
      if (setOnInsert)
        return { updateOne: { filter: { _id }, update: { $setOnInsert: fields }, upsert: true } };
      const filter: Filter<AnyDoc> = options.force
        ? { _id }
        : { _id, $or: [{ version: { $lt: record.version } }, { version: { $exists: false } }] };
      // the stored document is as new or newer when the upsert's insert meets its `_id` (`taken`)
      return { replaceOne: { filter, replacement: fields, upsert: true } };
    });
    const { result, taken } = await bulkWriteSkippingTaken(collection, operations);
    if (setOnInsert) return upsertedKeys(records, result);
    return records.filter((_, index) => !taken.has(index)).map((record) => record.key);
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
