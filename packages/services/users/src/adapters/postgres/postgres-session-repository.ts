import type { SqlExecutor } from '@polyshop/stores';
import type { Session } from '../../domain/user.ts';
import type { RefreshTokenRecord, SessionRepository } from '../../ports/session-repository.ts';
import { isRowId, optional, sqlTime } from './sql-values.ts';
import type { RefreshTokenRow, SessionRow } from './users-tables.ts';

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: optional(row.revoked_at),
    revokedReason: optional(row.revoked_reason),
    ip: optional(row.ip),
    userAgent: optional(row.user_agent),
  };
}

/** `SessionRepository` on PostgreSQL (`users.sessions`, `users.refresh_tokens`). */
export class PostgresSessionRepository implements SessionRepository {
  readonly #sql: SqlExecutor;
  constructor(sql: SqlExecutor) {
    this.#sql = sql;
  }

  async createSession(session: Session): Promise<void> {
    await this.#sql.query(
      `INSERT INTO users.sessions (id, user_id, created_at, expires_at, ip, user_agent) VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5, $6)`,
      [
        session.id,
        session.userId,
        sqlTime(session.createdAt),
        sqlTime(session.expiresAt),
        session.ip ?? null,
        session.userAgent ?? null,
      ],
    );
  }

  async addRefreshToken(sessionId: string, tokenHash: string, issuedAt: Date): Promise<void> {
    await this.#sql.query(
      `INSERT INTO users.refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3::timestamptz)`,
      [tokenHash, sessionId, sqlTime(issuedAt)],
    );
  }

  async findRefreshTokenForUpdate(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const [row] = await this.#sql.query<
      SessionRow & Pick<RefreshTokenRow, 'token_hash' | 'issued_at' | 'used_at'>
    >(
      `SELECT t.token_hash, t.issued_at, t.used_at, s.*
       FROM users.refresh_tokens t JOIN users.sessions s ON s.id = t.session_id
       WHERE t.token_hash = $1 FOR UPDATE OF t, s`,
      [tokenHash],
    );
    if (!row) return undefined;
    return {
      tokenHash: row.token_hash,
      sessionId: row.id,
      userId: row.user_id,
      issuedAt: row.issued_at,
      usedAt: optional(row.used_at),
      session: toSession(row),
    };
  }

  async markRefreshTokenUsed(tokenHash: string, at: Date): Promise<void> {
    await this.#sql.query(`UPDATE users.refresh_tokens SET used_at = $2::timestamptz WHERE token_hash = $1`, [
      tokenHash,
      sqlTime(at),
    ]);
  }

  async revokeSession(sessionId: string, at: Date, reason: string): Promise<boolean> {
    if (!isRowId(sessionId)) return false;
    const revoked = await this.#sql.execute(
      `UPDATE users.sessions SET revoked_at = $2::timestamptz, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL`,
      [sessionId, sqlTime(at), reason],
    );
    return revoked > 0;
  }

  async revokeAllSessions(userId: string, at: Date, reason: string): Promise<number> {
    if (!isRowId(userId)) return 0;
    return this.#sql.execute(
      `UPDATE users.sessions SET revoked_at = $2::timestamptz, revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId, sqlTime(at), reason],
    );
  }

  async findSession(sessionId: string): Promise<Session | undefined> {
    if (!isRowId(sessionId)) return undefined;
    const [row] = await this.#sql.query<SessionRow>(`SELECT * FROM users.sessions WHERE id = $1`, [
      sessionId,
    ]);
    return row && toSession(row);
  }

  async listSessions(userId: string): Promise<Session[]> {
    if (!isRowId(userId)) return [];
    const rows = await this.#sql.query<SessionRow>(
      `SELECT * FROM users.sessions WHERE user_id = $1 ORDER BY created_at`,
      [userId],
    );
    return rows.map(toSession);
  }

  async redactSessions(userId: string): Promise<void> {
    if (!isRowId(userId)) return;
    await this.#sql.query(`UPDATE users.sessions SET ip = NULL, user_agent = NULL WHERE user_id = $1`, [
      userId,
    ]);
  }
}
