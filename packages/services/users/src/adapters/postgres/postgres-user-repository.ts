import { AppError, BatchLanes } from '@polyshop/kernel';
import { isUniqueViolation, type SqlExecutor } from '@polyshop/stores';
import type { User, UserAccess } from '../../domain/user.ts';
import type { UserRepository } from '../../ports/user-repository.ts';
import { isRowId, optional, sqlTime } from './sql-values.ts';
import type { UserRow } from './users-tables.ts';

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: optional(row.email),
    name: optional(row.name),
    passwordHash: optional(row.password_hash),
    status: row.status,
    createdAt: row.created_at,
    erasedAt: optional(row.erased_at),
  };
}

/** One access check of a batch: `i` tells the answers apart. */
interface AccessCheck {
  i: number;
  user_id: string;
  session_id: string | null;
  /** The check's time (epoch ms): a session must not have expired by then. */
  at: number;
}

/** `UserRepository` on PostgreSQL (`users.users`, roles and permissions joined for access checks). */
export class PostgresUserRepository implements UserRepository {
  readonly #sql: SqlExecutor;
  readonly #accessChecks: BatchLanes<AccessCheck, UserAccess | undefined>;
  #checks = 0;

  constructor(sql: SqlExecutor) {
    this.#sql = sql;
    this.#accessChecks = new BatchLanes({
      keyOf: () => 'access',
      idOf: (check) => String(check.i),
      runBatch: (checks) => this.#findAccesses(checks),
      maxBatch: 500,
    });
  }

  async create(user: User): Promise<void> {
    try {
      await this.#sql.query(
        `INSERT INTO users.users (id, email, name, password_hash, status, created_at) VALUES ($1, $2, $3, $4, $5, $6::timestamptz)`,
        [user.id, user.email, user.name, user.passwordHash, user.status, sqlTime(user.createdAt)],
      );
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_ci')) {
        throw AppError.conflict('USERS.EMAIL_TAKEN', 'An account with this email already exists.', {
          field: 'email',
        });
      }
      throw error;
    }
  }

  async findById(id: string): Promise<User | undefined> {
    if (!isRowId(id)) return undefined;
    const [row] = await this.#sql.query<UserRow>(`SELECT * FROM users.users WHERE id = $1`, [id]);
    return row && toUser(row);
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const [row] = await this.#sql.query<UserRow>(`SELECT * FROM users.users WHERE lower(email) = lower($1)`, [
      email,
    ]);
    return row && toUser(row);
  }

  async erase(id: string, at: Date): Promise<boolean> {
    if (!isRowId(id)) return false;
    const erased = await this.#sql.execute(
      `UPDATE users.users SET email = NULL, name = NULL, password_hash = NULL, status = 'erased', erased_at = $2::timestamptz
       WHERE id = $1 AND status = 'active'`,
      [id, sqlTime(at)],
    );
    if (erased === 0) return false;
    await this.#sql.execute(`DELETE FROM users.user_roles WHERE user_id = $1`, [id]);
    return true;
  }

  /**
   * Concurrent access checks share one query (`BatchLanes`): a check arriving while one is in flight
   * waits for the next, which starts after it arrived, so no answer predates its request — a logout or a
   * revoked role still applies to the very next request.
   */
  findAccess(
    userId: string,
    options: { sessionId?: string; at?: Date } = {},
  ): Promise<UserAccess | undefined> {
    if (!isRowId(userId) || (options.sessionId !== undefined && !isRowId(options.sessionId)))
      return Promise.resolve(undefined);
    return this.#accessChecks.submit({
      i: this.#checks++,
      user_id: userId,
      session_id: options.sessionId ?? null,
      at: (options.at ?? new Date()).getTime(),
    });
  }

  /**
   * One statement for a batch of checks, so each answer is one consistent snapshot of user, session,
   * roles and permissions. Checks of the same user and session (a client's concurrent requests, a
   * service calling with its one token) share a row: its roles and permissions are read once, and
   * the session's expiry is compared with each check's own time here.
   */
  async #findAccesses(checks: AccessCheck[]): Promise<(UserAccess | undefined)[]> {
    const identities = new Map<string, { n: number; user_id: string; session_id: string | null }>();
    const identityOf = (check: AccessCheck) => `${check.user_id} ${check.session_id ?? ''}`;
    for (const check of checks) {
      const key = identityOf(check);
      if (!identities.has(key))
        identities.set(key, { n: identities.size, user_id: check.user_id, session_id: check.session_id });
    }
    const rows = await this.#sql.query<
      Pick<UserRow, 'id' | 'email' | 'status'> & {
        n: number;
        roles: string[];
        permissions: string[];
        session_expires_at: Date | null;
      }
    >(
      `SELECT k.n, u.id, u.email, u.status,
         ARRAY(SELECT r.name FROM users.user_roles ur JOIN users.roles r ON r.id = ur.role_id
               WHERE ur.user_id = u.id ORDER BY r.name) AS roles,
         ARRAY(SELECT DISTINCT p.resource || ':' || p.action FROM users.user_roles ur
               JOIN users.role_permissions rp ON rp.role_id = ur.role_id
               JOIN users.permissions p ON p.id = rp.permission_id
               WHERE ur.user_id = u.id ORDER BY 1) AS permissions,
         (SELECT s.expires_at FROM users.sessions s WHERE s.id = k.session_id
            AND s.user_id = u.id AND s.revoked_at IS NULL) AS session_expires_at
       FROM jsonb_to_recordset($1::jsonb) AS k(n integer, user_id uuid, session_id uuid)
       JOIN users.users u ON u.id = k.user_id`,
      [JSON.stringify([...identities.values()])],
    );
    const found = new Map(rows.map((row) => [row.n, row]));
    return checks.map((check) => {
      const row = found.get(identities.get(identityOf(check))!.n);
      if (!row) return undefined;
      // a session must exist, not be revoked, and not have expired at the check's time
      if (check.session_id !== null) {
        const expiresAt = row.session_expires_at;
        if (!expiresAt || new Date(expiresAt).getTime() <= check.at) return undefined;
      }
      return {
        userId: row.id,
        email: optional(row.email),
        status: row.status,
        roles: row.roles,
        permissions: row.permissions,
      };
    });
  }
}
