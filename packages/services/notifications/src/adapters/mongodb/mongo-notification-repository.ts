import type { EventEnvelope } from '@polyshop/kernel';
import type { MongoConnection } from '@polyshop/stores';
import type { NotificationRepository } from '../../ports/notification-repository.ts';
import { ensureNotificationIndexes } from './mongo-notification-indexes.ts';
import { MongoNotificationInbox, type MongoInboxOptions } from './mongo-notification-inbox.ts';
import { MongoPreferenceStore } from './mongo-preference-store.ts';
import { MongoRecipientStore } from './mongo-recipient-store.ts';
import { MongoRecordStore } from './mongo-record-store.ts';
import { MongoScope } from './mongo-scope.ts';
import { MongoTemplateStore } from './mongo-template-store.ts';

type Connection = Pick<MongoConnection, 'client' | 'db' | 'supportsTransactions' | 'ping'>;

/**
 * The notification repository on MongoDB (official driver): records and templates as documents in
 * `notifications_*` collections of the shared database, and `handleOnce` through the inbox collection
 * (a transaction where the server has them, else a journaled handling; see `MongoNotificationInbox`).
 */
export class MongoNotificationRepository implements NotificationRepository {
  readonly records: MongoRecordStore;
  readonly templates: MongoTemplateStore;
  readonly preferences: MongoPreferenceStore;
  readonly recipients: MongoRecipientStore;
  readonly #connection: Connection;
  readonly #options: { inbox?: MongoInboxOptions };
  readonly #inbox: MongoNotificationInbox;

  /** On the database; `scope` binds every store to an inbox handling instead. */
  constructor(
    connection: Connection,
    options: { inbox?: MongoInboxOptions } = {},
    scope = new MongoScope(connection.db),
  ) {
    this.#connection = connection;
    this.#options = options;
    this.#inbox = new MongoNotificationInbox(connection, options.inbox);
    this.records = new MongoRecordStore(scope);
    this.templates = new MongoTemplateStore(scope);
    this.preferences = new MongoPreferenceStore(scope);
    this.recipients = new MongoRecipientStore(scope);
  }

  /** Creates the collections' indexes (idempotent; run at start-up). */
  ensureIndexes(): Promise<void> {
    return ensureNotificationIndexes(this.#connection.db);
  }

  handleOnce(
    consumer: string,
    event: EventEnvelope,
    work: (repository: NotificationRepository) => Promise<void>,
  ): Promise<boolean> {
    return this.#inbox.handleOnce(consumer, event, (scope) =>
      work(new MongoNotificationRepository(this.#connection, this.#options, scope)),
    );
  }

  ping(): Promise<void> {
    return this.#connection.ping();
  }
}
