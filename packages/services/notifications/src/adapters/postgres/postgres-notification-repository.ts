import { fileURLToPath } from 'node:url';
import type { EventEnvelope } from '@polyshop/kernel';
import { handleOnce, migrate, type SqlDatabase, type SqlExecutor } from '@polyshop/stores';
import type { NotificationRepository } from '../../ports/notification-repository.ts';
import { PgScope, SCHEMA } from './pg-scope.ts';
import { PostgresPreferenceStore } from './postgres-preference-store.ts';
import { PostgresRecipientStore } from './postgres-recipient-store.ts';
import { PostgresRecordStore } from './postgres-record-store.ts';
import { PostgresTemplateStore } from './postgres-template-store.ts';

const MIGRATIONS = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** Applies the `notifications` schema's migrations (and its outbox/inbox tables). */
export async function migrateNotifications(db: SqlDatabase): Promise<void> {
  await migrate(db, { schema: SCHEMA, directory: MIGRATIONS });
}

/**
 * The notification repository on PostgreSQL (PGlite or a server): JSONB documents for records,
 * plain tables for templates, preferences and the recipient projection; the inbox for `handleOnce`.
 */
export class PostgresNotificationRepository implements NotificationRepository {
  readonly records: PostgresRecordStore;
  readonly templates: PostgresTemplateStore;
  readonly preferences: PostgresPreferenceStore;
  readonly recipients: PostgresRecipientStore;
  readonly #db: SqlDatabase;

  /** On the database; `tx` binds every store to that transaction instead. */
  constructor(db: SqlDatabase, tx?: SqlExecutor) {
    this.#db = db;
    const scope = tx ? new PgScope(tx) : new PgScope(db, db);
    this.records = new PostgresRecordStore(scope);
    this.templates = new PostgresTemplateStore(scope);
    this.preferences = new PostgresPreferenceStore(scope);
    this.recipients = new PostgresRecipientStore(scope);
  }

  handleOnce(
    consumer: string,
    event: EventEnvelope,
    work: (repository: NotificationRepository) => Promise<void>,
  ): Promise<boolean> {
    return handleOnce(this.#db, SCHEMA, consumer, event, (tx) =>
      work(new PostgresNotificationRepository(this.#db, tx)),
    );
  }

  ping(): Promise<void> {
    return this.#db.ping();
  }
}
