import type { ChannelType } from '../../domain/notification.ts';
import type { NotificationTemplate, TemplateContent } from '../../domain/template.ts';
import type { TemplateStore } from '../../ports/notification-repository.ts';
import { TEMPLATES_TABLE, type TemplateRow } from './notifications-tables.ts';
import { iso, SCHEMA, type PgScope } from './pg-scope.ts';

const COLUMNS = TEMPLATES_TABLE.columnList;

function toTemplate(row: TemplateRow): NotificationTemplate {
  return {
    type: row.type,
    channel: row.channel,
    version: row.version,
    subject: row.subject,
    body: row.body,
    html: row.html,
    variables: row.variables,
    description: row.description,
    createdAt: iso(row.created_at)!,
    createdBy: row.created_by,
  };
}

/** Template versions in `notifications.templates`, keyed by (type, channel, version). */
export class PostgresTemplateStore implements TemplateStore {
  readonly #scope: PgScope;

  constructor(scope: PgScope) {
    this.#scope = scope;
  }

  saveVersion(
    type: string,
    channel: ChannelType,
    content: TemplateContent,
    by: { createdBy: string | null; now: Date },
  ): Promise<NotificationTemplate> {
    return this.#scope.transaction(async (tx) => {
      // Saves of one (type, channel) queue up here, so each reads the version the previous one wrote.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
        `notifications.template.${type}.${channel}`,
      ]);
      const rows = await tx.query<TemplateRow>(
        `INSERT INTO ${SCHEMA}.templates (${COLUMNS})
         SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6::jsonb, $7, $8, $9
         FROM ${SCHEMA}.templates WHERE type = $1 AND channel = $2
         RETURNING ${COLUMNS}`,
        [
          type,
          channel,
          content.subject ?? null,
          content.body,
          content.html ?? null,
          JSON.stringify(content.variables),
          content.description ?? null,
          by.now,
          by.createdBy,
        ],
      );
      return toTemplate(rows[0]!);
    });
  }

  async createInitial(template: Omit<NotificationTemplate, 'version'>): Promise<boolean> {
    const inserted = await this.#scope.executor.execute(
      `INSERT INTO ${SCHEMA}.templates (${COLUMNS}) VALUES ($1, $2, 1, $3, $4, $5, $6::jsonb, $7, $8, $9)
       ON CONFLICT DO NOTHING`,
      [
        template.type,
        template.channel,
        template.subject,
        template.body,
        template.html,
        JSON.stringify(template.variables),
        template.description,
        template.createdAt,
        template.createdBy,
      ],
    );
    return inserted > 0;
  }

  async findLatest(type: string, channel: ChannelType): Promise<NotificationTemplate | undefined> {
    const rows = await this.#scope.executor.query<TemplateRow>(
      `SELECT ${COLUMNS} FROM ${SCHEMA}.templates WHERE type = $1 AND channel = $2 ORDER BY version DESC LIMIT 1`,
      [type, channel],
    );
    return rows[0] && toTemplate(rows[0]);
  }

  async findLatestOf(type: string, channels: readonly ChannelType[]): Promise<NotificationTemplate[]> {
    const rows = await this.#scope.executor.query<TemplateRow>(
      `SELECT DISTINCT ON (channel) ${COLUMNS} FROM ${SCHEMA}.templates
       WHERE type = $1 AND channel = ANY ($2::text[]) ORDER BY channel, version DESC`,
      [type, [...channels]],
    );
    const latest = new Map(rows.map((row) => [row.channel, toTemplate(row)]));
    return channels.flatMap((channel) => latest.get(channel) ?? []);
  }

  async findVersion(
    type: string,
    channel: ChannelType,
    version: number,
  ): Promise<NotificationTemplate | undefined> {
    const rows = await this.#scope.executor.query<TemplateRow>(
      `SELECT ${COLUMNS} FROM ${SCHEMA}.templates WHERE type = $1 AND channel = $2 AND version = $3`,
      [type, channel, version],
    );
    return rows[0] && toTemplate(rows[0]);
  }

  async listLatest(): Promise<NotificationTemplate[]> {
    const rows = await this.#scope.executor.query<TemplateRow>(
      `SELECT DISTINCT ON (type, channel) ${COLUMNS} FROM ${SCHEMA}.templates ORDER BY type, channel, version DESC`,
    );
    return rows.map(toTemplate);
  }

  async listVersions(type: string, channel: ChannelType): Promise<NotificationTemplate[]> {
    const rows = await this.#scope.executor.query<TemplateRow>(
      `SELECT ${COLUMNS} FROM ${SCHEMA}.templates WHERE type = $1 AND channel = $2 ORDER BY version DESC`,
      [type, channel],
    );
    return rows.map(toTemplate);
  }
}
