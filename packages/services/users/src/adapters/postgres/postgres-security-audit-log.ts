import type { SqlExecutor } from '@polyshop/stores';
import type { AuditEntry, AuditQuery, NewAuditEntry } from '../../domain/audit-entry.ts';
import type { SecurityAuditLog } from '../../ports/security-audit-log.ts';
import { isRowId, optional, sqlTime } from './sql-values.ts';
import type { SecurityAuditRow } from './users-tables.ts';

function toEntry(row: SecurityAuditRow): AuditEntry {
  return {
    id: row.id,
    occurredAt: row.occurred_at,
    type: row.type,
    actorId: optional(row.actor_id),
    targetUserId: optional(row.target_user_id),
    email: optional(row.email),
    ip: optional(row.ip),
    userAgent: optional(row.user_agent),
    details: row.details,
    redactedAt: optional(row.redacted_at),
  };
}

/** `SecurityAuditLog` on PostgreSQL; a trigger enforces append-only (only redaction may update a row). */
export class PostgresSecurityAuditLog implements SecurityAuditLog {
  readonly #sql: SqlExecutor;
  constructor(sql: SqlExecutor) {
    this.#sql = sql;
  }

  async append(entry: NewAuditEntry): Promise<void> {
    await this.#sql.query(
      `INSERT INTO users.security_audit_log (occurred_at, type, actor_id, target_user_id, email, ip, user_agent, details)
       VALUES ($1::timestamptz, $2, $3, $4, $5, $6, $7, $8)`,
      [
        sqlTime(entry.occurredAt),
        entry.type,
        entry.actorId ?? null,
        entry.targetUserId ?? null,
        entry.email ?? null,
        entry.ip ?? null,
        entry.userAgent ?? null,
        JSON.stringify(entry.details ?? {}),
      ],
    );
  }

  async query(filter: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (filter.userId !== undefined) {
      if (!isRowId(filter.userId)) add((n) => `actor_id = ${n}`, filter.userId);
      else add((n) => `(target_user_id::text = ${n} OR actor_id = ${n})`, filter.userId);
    }
    if (filter.type !== undefined) add((n) => `type = ${n}`, filter.type);
    if (filter.from !== undefined) add((n) => `occurred_at >= ${n}::timestamptz`, sqlTime(filter.from));
    if (filter.to !== undefined) add((n) => `occurred_at < ${n}::timestamptz`, sqlTime(filter.to));
    if (filter.before !== undefined) add((n) => `id < ${n}`, filter.before);
    params.push(filter.limit);
    const rows = await this.#sql.query<SecurityAuditRow>(
      `SELECT * FROM users.security_audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toEntry);
  }

  async redactUser(userId: string, emails: string[], at: Date): Promise<number> {
    return this.#sql.execute(
      `UPDATE users.security_audit_log SET email = NULL, ip = NULL, user_agent = NULL, redacted_at = $3::timestamptz
       WHERE redacted_at IS NULL AND (target_user_id::text = $1 OR actor_id = $1 OR lower(email) = ANY($2::text[]))`,
      [userId, emails.map((email) => email.toLowerCase()), sqlTime(at)],
    );
  }
}
