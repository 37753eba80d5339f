import type { Db, IndexDescription } from 'mongodb';
import { NOTIFICATION_COLLECTIONS } from './mongo-notification-documents.ts';
import { INBOX_KEY_INDEX } from './mongo-notification-inbox.ts';

/** MongoDB's error code when a collection being created exists already. */
const NAMESPACE_EXISTS = 48;

/** Newest first, then `_id`: the delivery log's order and its keyset cursor. */
const NEWEST = { createdAt: -1, _id: -1 } as const;

/**
 * The indexes of each collection: the delivery-log queries (`GET /notifications` filtered by user,
 * type or status, or only by time, each in keyset order), the delivery worker's scan of due records
 * (sparse on `dueAt`: only records with a pending channel are in it), the held records of an inbox
 * handling (sparse), template versions per (type, channel), orders by user (erasure), and the inbox key.
 */
const INDEXES: Record<string, IndexDescription[]> = {
  [NOTIFICATION_COLLECTIONS.records]: [
    { key: { 'recipient.userId': 1, ...NEWEST }, name: 'records_user' },
    { key: { type: 1, ...NEWEST }, name: 'records_type' },
    { key: { status: 1, ...NEWEST }, name: 'records_status' },
    { key: NEWEST, name: 'records_created' },
    { key: { dueAt: 1 }, name: 'records_due', sparse: true },
    { key: { held: 1 }, name: 'records_held', sparse: true },
  ],
  [NOTIFICATION_COLLECTIONS.templates]: [
    { key: { type: 1, channel: 1, version: -1 }, name: 'templates_type_channel_version', unique: true },
  ],
  [NOTIFICATION_COLLECTIONS.orders]: [{ key: { userId: 1 }, name: 'order_recipients_user' }],
  [NOTIFICATION_COLLECTIONS.inbox]: [
    { key: { consumer: 1, eventId: 1 }, name: INBOX_KEY_INDEX, unique: true },
  ],
};

/**
 * Creates the notification collections and their indexes; safe to run at every start (existing ones
 * are kept). Creating every collection up front keeps that out of the inbox's transactions.
 */
export async function ensureNotificationIndexes(db: Db): Promise<void> {
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((collection) => collection.name),
  );
  for (const name of Object.values(NOTIFICATION_COLLECTIONS)) {
    if (!existing.has(name)) {
      await db.createCollection(name).catch((error: { code?: number }) => {
        if (error.code !== NAMESPACE_EXISTS) throw error; // another process created it meanwhile
      });
    }
    const indexes = INDEXES[name];
    if (indexes) await db.collection(name).createIndexes(indexes);
  }
}
