import type { Collection } from 'mongodb';
import type { KnownRecipient, OrderRecipient } from '../../domain/recipient.ts';
import type { RecipientStore } from '../../ports/notification-repository.ts';
import {
  NOTIFICATION_COLLECTIONS,
  orderRecipientFromDoc,
  recipientFromDoc,
  type OrderRecipientDoc,
  type RecipientDoc,
} from './mongo-notification-documents.ts';
import type { MongoScope } from './mongo-scope.ts';

/** `$set` for the given values, `$setOnInsert` null for the missing ones: a `null` keeps what is known. */
function keepKnown(values: { email: string | null; name: string | null }): {
  set: Partial<RecipientDoc>;
  onInsert: Partial<RecipientDoc>;
} {
  const set: Partial<RecipientDoc> = {};
  const onInsert: Partial<RecipientDoc> = {};
  for (const field of ['email', 'name'] as const) {
    if (values[field] !== null) set[field] = values[field];
    else onInsert[field] = null;
  }
  return { set, onInsert };
}

/**
 * The recipient projection: users in `notifications_recipients` (`_id` = user id, a tombstone once
 * erased) and whose each order is in `notifications_order_recipients` (`_id` = order id, indexed by user).
 * Every write is an upsert that cannot fail on a duplicate key (which would abort a surrounding transaction).
 */
export class MongoRecipientStore implements RecipientStore {
  readonly #scope: MongoScope;
  readonly #users: Collection<RecipientDoc>;
  readonly #orders: Collection<OrderRecipientDoc>;

  constructor(scope: MongoScope) {
    this.#scope = scope;
    this.#users = scope.db.collection<RecipientDoc>(NOTIFICATION_COLLECTIONS.recipients);
    this.#orders = scope.db.collection<OrderRecipientDoc>(NOTIFICATION_COLLECTIONS.orders);
  }

  async find(userId: string): Promise<KnownRecipient | undefined> {
    const doc = await this.#users.findOne({ _id: userId }, this.#scope.options);
    return doc ? recipientFromDoc(doc) : undefined;
  }

  async remember(recipient: { userId: string; email: string | null; name: string | null }): Promise<void> {
    const stamp = await this.#scope.prepareWrite(this.#users, { ids: [recipient.userId] });
    const { set, onInsert } = keepKnown(recipient);
    const known = await this.#users.updateOne(
      { _id: recipient.userId, erasedAt: null },
      { $set: { ...set, stamp }, $inc: { version: 1 } },
      this.#scope.options,
    );
    if (known.matchedCount === 1) return;
    // New, or erased: only an insert may happen here, so a tombstone stays as it is.
    await this.#users.updateOne(
      { _id: recipient.userId },
      { $setOnInsert: { ...set, ...onInsert, erasedAt: null, stamp, version: 1 } },
      { upsert: true, ...this.#scope.options },
    );
  }

  async erase(userId: string, now: Date): Promise<void> {
    const stamp = await this.#scope.prepareWrite(this.#users, { ids: [userId] });
    await this.#users.updateOne(
      { _id: userId },
      { $set: { email: null, name: null, stamp }, $setOnInsert: { erasedAt: now }, $inc: { version: 1 } },
      { upsert: true, ...this.#scope.options },
    );
    // the first erasure's time stays
    await this.#users.updateOne(
      { _id: userId, erasedAt: null },
      { $set: { erasedAt: now }, $inc: { version: 1 } },
      this.#scope.options,
    );
    const orderStamp = await this.#scope.prepareWrite(this.#orders, { filter: { userId } });
    await this.#orders.updateMany(
      { userId },
      { $set: { email: null, name: null, stamp: orderStamp }, $inc: { version: 1 } },
      this.#scope.options,
    );
  }

  async rememberOrder(order: OrderRecipient): Promise<void> {
    const stamp = await this.#scope.prepareWrite(this.#orders, { ids: [order.orderId] });
    const { set, onInsert } = keepKnown(order);
    await this.#orders.updateOne(
      { _id: order.orderId },
      {
        $set: { ...set, userId: order.userId, orderNumber: order.orderNumber, stamp },
        $inc: { version: 1 },
        ...(Object.keys(onInsert).length > 0 ? { $setOnInsert: onInsert } : {}),
      },
      { upsert: true, ...this.#scope.options },
    );
  }

  async findOrder(orderId: string): Promise<OrderRecipient | undefined> {
    const doc = await this.#orders.findOne({ _id: orderId }, this.#scope.options);
    return doc ? orderRecipientFromDoc(doc) : undefined;
  }
}
