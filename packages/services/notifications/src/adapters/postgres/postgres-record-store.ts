import { isUuid } from '@polyshop/kernel';
import type { SqlExecutor } from '@polyshop/stores';
import {
  claimDueChannels,
  eraseRecipientData,
  nextAttemptOf,
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
import type { NotificationRecordRow } from './notifications-tables.ts';
import { iso, SCHEMA, type PgScope } from './pg-scope.ts';
import { decodeRecordCursor, encodeRecordCursor } from '../../domain/record-cursor.ts';

/** A record as the store reads it (`COLUMNS`): the row without the columns only queries use. */
type RecordRow = Omit<NotificationRecordRow, 'user_id' | 'next_attempt_at' | 'version'>;

const COLUMNS = 'id, type, status, recipient, template, channels, metadata, created_at, updated_at';

function toRecord(row: RecordRow): NotificationRecord {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    recipient: row.recipient,
    template: row.template,
    channels: row.channels,
    metadata: row.metadata,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

/**
 * A record's row, in the column order `id, type, user_id, status, recipient, template, channels,
 * metadata, created_at, updated_at, next_attempt_at` (inserted here, and copied by the migration side).
 */
export function recordRowValues(record: NotificationRecord): unknown[] {
  return [
    record.id,
    record.type,
    record.recipient.userId,
    record.status,
    JSON.stringify(record.recipient),
    JSON.stringify(record.template),
    JSON.stringify(record.channels),
    JSON.stringify(record.metadata),
    record.createdAt,
    record.updatedAt,
    nextAttemptOf(record),
  ];
}

/** Writes every mutable part of a record document back, with its query columns. */
async function writeBack(tx: SqlExecutor, record: NotificationRecord): Promise<void> {
  await tx.query(
    `UPDATE ${SCHEMA}.records SET status = $2, recipient = $3::jsonb, template = $4::jsonb, channels = $5::jsonb,
       metadata = $6::jsonb, updated_at = $7, next_attempt_at = $8 WHERE id = $1`,
    [
      record.id,
      record.status,
      JSON.stringify(record.recipient),
      JSON.stringify(record.template),
      JSON.stringify(record.channels),
      JSON.stringify(record.metadata),
      record.updatedAt,
      nextAttemptOf(record),
    ],
  );
}

/** The delivery log as JSONB documents in `notifications.records`. */
export class PostgresRecordStore implements NotificationRecordStore {
  readonly #scope: PgScope;

  constructor(scope: PgScope) {
    this.#scope = scope;
  }

  async create(record: NotificationRecord): Promise<void> {
    await this.#scope.executor.query(
      `INSERT INTO ${SCHEMA}.records (id, type, user_id, status, recipient, template, channels, metadata, created_at, updated_at, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10, $11)`,
      recordRowValues(record),
    );
  }

  async find(id: string): Promise<NotificationRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const rows = await this.#scope.executor.query<RecordRow>(
      `SELECT ${COLUMNS} FROM ${SCHEMA}.records WHERE id = $1`,
      [id],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async list(query: NotificationQuery): Promise<NotificationPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (query.userId !== undefined) add((p) => `user_id = ${p}`, query.userId);
    if (query.type !== undefined) add((p) => `type = ${p}`, query.type);
    if (query.status !== undefined) add((p) => `status = ${p}`, query.status);
    if (query.from !== undefined) add((p) => `created_at >= ${p}::timestamptz`, query.from);
    if (query.to !== undefined) add((p) => `created_at < ${p}::timestamptz`, query.to);
    if (query.cursor !== undefined) {
      const { createdAt, id } = decodeRecordCursor(query.cursor);
      params.push(createdAt, id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(query.limit + 1);
    const rows = await this.#scope.executor.query<RecordRow>(
      `SELECT ${COLUMNS} FROM ${SCHEMA}.records ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, query.limit).map(toRecord);
    return {
      items,
      nextCursor: rows.length > query.limit ? encodeRecordCursor(items[items.length - 1]!) : null,
    };
  }

  claimDue(
    now: Date,
    leaseUntil: Date,
    limit: number,
    types: readonly ChannelType[],
  ): Promise<ClaimedNotification[]> {
    return this.#scope.transaction(async (tx) => {
      // next_attempt_at (indexed) narrows to records with something due; the JSONB test keeps records
      // whose only due channels are of other types from crowding out the ones this worker can take.
      const rows = await tx.query<RecordRow>(
        `SELECT ${COLUMNS} FROM ${SCHEMA}.records r WHERE next_attempt_at <= $1
           AND EXISTS (SELECT 1 FROM jsonb_array_elements(r.channels) c
                       WHERE c->>'status' = 'pending' AND c->>'type' = ANY($3::text[]) AND (c->>'nextAttemptAt')::timestamptz <= $1)
         ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit, [...types]],
      );
      const claimed: ClaimedNotification[] = [];
      for (const row of rows) {
        const { record, claimed: channels } = claimDueChannels(
          toRecord(row),
          types,
          now.toISOString(),
          leaseUntil.toISOString(),
        );
        if (channels.length === 0) continue;
        await writeBack(tx, record);
        claimed.push({ record, channels });
      }
      return claimed;
    });
  }

  updateChannel(id: string, channel: ChannelDelivery, now: Date): Promise<NotificationRecord | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return this.#scope.transaction(async (tx) => {
      const rows = await tx.query<RecordRow>(
        `SELECT ${COLUMNS} FROM ${SCHEMA}.records WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!rows[0]) return undefined;
      const updated = replaceChannel(toRecord(rows[0]), channel, now.toISOString());
      if (updated) await writeBack(tx, updated);
      return updated;
    });
  }

  eraseRecipient(userId: string, now: Date): Promise<number> {
    return this.#scope.transaction(async (tx) => {
      const rows = await tx.query<RecordRow>(
        `SELECT ${COLUMNS} FROM ${SCHEMA}.records WHERE user_id = $1 FOR UPDATE`,
        [userId],
      );
      for (const row of rows) await writeBack(tx, eraseRecipientData(toRecord(row), now.toISOString()));
      return rows.length;
    });
  }
}
