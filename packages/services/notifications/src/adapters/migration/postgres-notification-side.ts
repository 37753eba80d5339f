import type { MigrationRecord, MigrationSide, UpsertOptions } from '@polyshop/migration';
import type { SqlDatabase, SqlExecutor } from '@polyshop/stores';
import type { NotificationRecord } from '../../domain/notification.ts';
import type { NotificationPreferences } from '../../domain/preferences.ts';
import type { KnownRecipient, OrderRecipient } from '../../domain/recipient.ts';
import type { NotificationTemplate } from '../../domain/template.ts';
import { iso, SCHEMA } from '../postgres/pg-scope.ts';
import { recordRowValues } from '../postgres/postgres-record-store.ts';
import {
  canonicalNotificationRecord,
  inboxRecord,
  NOTIFICATION_KINDS,
  notificationKind,
  notificationRecord,
  orderRecord,
  preferencesRecord,
  recipientRecord,
  templateRecord,
  type HandledEvent,
  type NotificationKind,
} from './notification-migration-kinds.ts';

/**
 * Per kind: its table, its key as text (code-point order with `COLLATE "C"`), and the columns read;
 * `uuid` when the key is a uuid column, scanned in its index's order (the order of its text).
 */
const TABLES: Record<NotificationKind, { table: string; key: string; columns: string; uuid?: string }> = {
  templates: {
    table: 'templates',
    key: `(type || ':' || channel || ':' || version::text)`,
    columns: 'type, channel, version, subject, body, html, variables, description, created_at, created_by',
  },
  preferences: {
    table: 'preferences',
    key: 'user_id',
    columns: 'user_id, email, sms, push, phone, updated_at, version',
  },
  recipients: { table: 'recipients', key: 'user_id', columns: 'user_id, email, name, erased_at, version' },
  orders: {
    table: 'order_recipients',
    key: 'order_id',
    columns: 'order_id, user_id, order_number, email, name, version',
  },
  records: {
    table: 'records',
    key: 'id::text',
    uuid: 'id',
    columns: 'id, type, status, recipient, template, channels, metadata, created_at, updated_at, version',
  },
  inbox: { table: 'inbox', key: `(consumer || ' ' || event_id::text)`, columns: 'consumer, event_id' },
};

type Row = Record<string, unknown>;

function toMigrationRecord(kind: NotificationKind, row: Row): MigrationRecord {
  const version = Number(row.version);
  switch (kind) {
    case 'inbox':
      return inboxRecord({ consumer: row.consumer as string, eventId: row.event_id as string });
    case 'templates':
      return templateRecord({
        type: row.type as string,
        channel: row.channel as NotificationTemplate['channel'],
        version,
        subject: row.subject as string | null,
        body: row.body as string,
        html: row.html as string | null,
        variables: row.variables as NotificationTemplate['variables'],
        description: row.description as string | null,
        createdAt: iso(row.created_at as Date)!,
        createdBy: row.created_by as string | null,
      });
    case 'preferences':
      return preferencesRecord(
        {
          userId: row.user_id as string,
          email: row.email as boolean,
          sms: row.sms as boolean,
          push: row.push as boolean,
          phone: row.phone as string | null,
          updatedAt: iso(row.updated_at as Date),
        },
        version,
      );
    case 'recipients':
      return recipientRecord(
        {
          userId: row.user_id as string,
          email: row.email as string | null,
          name: row.name as string | null,
          erasedAt: iso(row.erased_at as Date | null),
        },
        version,
      );
    case 'orders':
      return orderRecord(
        {
          orderId: row.order_id as string,
          userId: row.user_id as string,
          orderNumber: row.order_number as string,
          email: row.email as string | null,
          name: row.name as string | null,
        },
        version,
      );
    case 'records':
      return notificationRecord(
        {
          id: row.id as string,
          type: row.type as string,
          status: row.status as NotificationRecord['status'],
          recipient: row.recipient as NotificationRecord['recipient'],
          template: row.template as NotificationRecord['template'],
          channels: row.channels as NotificationRecord['channels'],
          metadata: row.metadata as NotificationRecord['metadata'],
          createdAt: iso(row.created_at as Date)!,
          updatedAt: iso(row.updated_at as Date)!,
        },
        version,
      );
  }
}

/**
 * The notification service in PostgreSQL (schema `notifications`) as the migration engine reads and
 * writes it: keys in code-point order, writes by version (migration-0002's `version` columns; a
 * template version's record version is its number, it never changes) without inbox entries. A copy
 * sets the version it carries, so its transaction tells the version trigger to leave it alone.
 */
export class PostgresNotificationSide implements MigrationSide {
  readonly store = 'postgres';
  readonly kinds = NOTIFICATION_KINDS;
  readonly #db: SqlDatabase;

  constructor(db: SqlDatabase) {
    this.#db = db;
  }

  async scan(kind: string, after: string | undefined, limit: number): Promise<MigrationRecord[]> {
    const k = notificationKind(kind);
    const { table, key, columns, uuid } = TABLES[k];
    const [order, type] = uuid ? [uuid, 'uuid'] : [`${key} COLLATE "C"`, 'text'];
    const rows = await this.#db.query<Row>(
      `SELECT ${columns}, ${key} AS migration_key FROM ${SCHEMA}.${table}
       WHERE $1::${type} IS NULL OR ${order} > $1::${type} ORDER BY ${order} LIMIT $2`,
      [after ?? null, limit],
    );
    return rows.map((row) => toMigrationRecord(k, row));
  }

  async lastKey(kind: string): Promise<string | undefined> {
    const { table, key, uuid } = TABLES[notificationKind(kind)];
    const [row] = await this.#db.query<{ key: string }>(
      `SELECT ${key} AS key FROM ${SCHEMA}.${table} ORDER BY ${uuid ?? `${key} COLLATE "C"`} DESC LIMIT 1`,
    );
    return row?.key;
  }

  async read(kind: string, keys: readonly string[]): Promise<MigrationRecord[]> {
    if (keys.length === 0) return [];
    const k = notificationKind(kind);
    const { table, key, columns } = TABLES[k];
    const rows = await this.#db.query<Row>(
      `SELECT ${columns} FROM ${SCHEMA}.${table} WHERE ${key} = ANY($1::text[])`,
      [[...keys]],
    );
    return rows.map((row) => toMigrationRecord(k, row));
  }

  upsertIfNewer(
    kind: string,
    records: readonly MigrationRecord[],
    options: UpsertOptions = {},
  ): Promise<string[]> {
    if (records.length === 0) return Promise.resolve([]);
    const k = notificationKind(kind);
    return this.#db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('notifications.copying', 'on', true)`);
      const written: string[] = [];
      for (const record of records) {
        if (await upsertOne(tx, k, record, options.force === true)) written.push(record.key);
      }
      return written;
    });
  }

  async remove(kind: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const { table, key } = TABLES[notificationKind(kind)];
    await this.#db.query(`DELETE FROM ${SCHEMA}.${table} WHERE ${key} = ANY($1::text[])`, [[...keys]]);
  }

  async count(kind: string): Promise<number> {
    const { table } = TABLES[notificationKind(kind)];
    const [row] = await this.#db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM ${SCHEMA}.${table}`,
    );
    return Number(row!.count);
  }

  canonical(kind: string, body: unknown): unknown {
    return canonicalNotificationRecord(kind, body);
  }

  async drop(): Promise<void> {
    await this.#db.transaction(async (tx) => {
      for (const kind of NOTIFICATION_KINDS) await tx.query(`DELETE FROM ${SCHEMA}.${TABLES[kind].table}`);
    });
  }

  /** The keys of a user's delivery-log records (what an erasure rewrote). */
  async recordKeysOfUser(userId: string): Promise<string[]> {
    const rows = await this.#db.query<{ id: string }>(
      `SELECT id::text AS id FROM ${SCHEMA}.records WHERE user_id = $1`,
      [userId],
    );
    return rows.map((row) => row.id);
  }

  /** The keys of a user's orders in the projection (what an erasure blanked). */
  async orderKeysOfUser(userId: string): Promise<string[]> {
    const rows = await this.#db.query<{ order_id: string }>(
      `SELECT order_id FROM ${SCHEMA}.order_recipients WHERE user_id = $1`,
      [userId],
    );
    return rows.map((row) => row.order_id);
  }
}

/** Writes one record unless a same-or-newer version is stored (`force`: anyway); true when written. */
async function upsertOne(
  tx: SqlExecutor,
  kind: NotificationKind,
  record: MigrationRecord,
  force: boolean,
): Promise<boolean> {
  const newer = (table: string) => (force ? '' : `WHERE ${table}.version < EXCLUDED.version`);
  switch (kind) {
    case 'inbox': {
      // handled is handled: an entry is only ever added
      const { consumer, eventId } = record.body as HandledEvent;
      const rows = await tx.query(
        `INSERT INTO ${SCHEMA}.inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING consumer`,
        [consumer, eventId],
      );
      return rows.length > 0;
    }
    case 'templates': {
      const t = record.body as NotificationTemplate;
      const rows = await tx.query(
        `INSERT INTO ${SCHEMA}.templates (type, channel, version, subject, body, html, variables, description, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)
         ON CONFLICT (type, channel, version) DO ${
           force
             ? `UPDATE SET subject = EXCLUDED.subject, body = EXCLUDED.body, html = EXCLUDED.html,
                variables = EXCLUDED.variables, description = EXCLUDED.description,
                created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by`
             : 'NOTHING'
         }
         RETURNING version`,
        [
          t.type,
          t.channel,
          t.version,
          t.subject,
          t.body,
          t.html,
          JSON.stringify(t.variables),
          t.description,
          t.createdAt,
          t.createdBy,
        ],
      );
      return rows.length > 0;
    }
    case 'preferences': {
      const p = record.body as NotificationPreferences;
      const rows = await tx.query(
        `INSERT INTO ${SCHEMA}.preferences (user_id, email, sms, push, phone, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, sms = EXCLUDED.sms, push = EXCLUDED.push,
           phone = EXCLUDED.phone, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
         ${newer('preferences')} RETURNING user_id`,
        [p.userId, p.email, p.sms, p.push, p.phone, p.updatedAt ?? new Date(0).toISOString(), record.version],
      );
      return rows.length > 0;
    }
    case 'recipients': {
      const r = record.body as KnownRecipient;
      const rows = await tx.query(
        `INSERT INTO ${SCHEMA}.recipients (user_id, email, name, erased_at, version) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name,
           erased_at = EXCLUDED.erased_at, version = EXCLUDED.version
         ${newer('recipients')} RETURNING user_id`,
        [r.userId, r.email, r.name, r.erasedAt, record.version],
      );
      return rows.length > 0;
    }
    case 'orders': {
      const o = record.body as OrderRecipient;
      const rows = await tx.query(
        `INSERT INTO ${SCHEMA}.order_recipients (order_id, user_id, order_number, email, name, version)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (order_id) DO UPDATE SET user_id = EXCLUDED.user_id, order_number = EXCLUDED.order_number,
           email = EXCLUDED.email, name = EXCLUDED.name, version = EXCLUDED.version
         ${newer('order_recipients')} RETURNING order_id`,
        [o.orderId, o.userId, o.orderNumber, o.email, o.name, record.version],
      );
      return rows.length > 0;
    }
    case 'records': {
      const n = record.body as NotificationRecord;
      const rows = await tx.query(
        `INSERT INTO ${SCHEMA}.records (id, type, user_id, status, recipient, template, channels, metadata,
           created_at, updated_at, next_attempt_at, version)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, user_id = EXCLUDED.user_id, status = EXCLUDED.status,
           recipient = EXCLUDED.recipient, template = EXCLUDED.template, channels = EXCLUDED.channels,
           metadata = EXCLUDED.metadata, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
           next_attempt_at = EXCLUDED.next_attempt_at, version = EXCLUDED.version
         ${newer('records')} RETURNING id`,
        [...recordRowValues(n), record.version],
      );
      return rows.length > 0;
    }
  }
}
