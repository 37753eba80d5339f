import type { Collection } from 'mongodb';
import type { NotificationPreferences } from '../../domain/preferences.ts';
import type { PreferenceStore } from '../../ports/notification-repository.ts';
import {
  NOTIFICATION_COLLECTIONS,
  preferencesFromDoc,
  type PreferenceDoc,
} from './mongo-notification-documents.ts';
import type { MongoScope } from './mongo-scope.ts';

/** Per-user channel preferences in `notifications_preferences`, one document per user (`_id` = user id). */
export class MongoPreferenceStore implements PreferenceStore {
  readonly #scope: MongoScope;
  readonly #preferences: Collection<PreferenceDoc>;

  constructor(scope: MongoScope) {
    this.#scope = scope;
    this.#preferences = scope.db.collection<PreferenceDoc>(NOTIFICATION_COLLECTIONS.preferences);
  }

  async find(userId: string): Promise<NotificationPreferences | undefined> {
    const doc = await this.#preferences.findOne({ _id: userId }, this.#scope.options);
    return doc ? preferencesFromDoc(doc) : undefined;
  }

  async save(preferences: NotificationPreferences): Promise<NotificationPreferences> {
    const stamp = await this.#scope.prepareWrite(this.#preferences, { ids: [preferences.userId] });
    const doc: Omit<PreferenceDoc, 'version'> = {
      _id: preferences.userId,
      email: preferences.email,
      sms: preferences.sms,
      push: preferences.push,
      phone: preferences.phone,
      updatedAt: preferences.updatedAt ? new Date(preferences.updatedAt) : new Date(),
      stamp,
    };
    const { _id, ...fields } = doc;
    await this.#preferences.updateOne(
      { _id },
      { $set: fields, $inc: { version: 1 } },
      { upsert: true, ...this.#scope.options },
    );
    return preferencesFromDoc(doc);
  }

  async delete(userId: string): Promise<void> {
    await this.#scope.prepareWrite(this.#preferences, { ids: [userId], deleting: true });
    await this.#preferences.deleteOne({ _id: userId }, this.#scope.options);
  }
}
