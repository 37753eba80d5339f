import { AppError } from '@polyshop/kernel';
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

/** `UserRepository` on PostgreSQL (`users.users`, roles and permissions joined for access checks). */
export class PostgresUserRepository implements UserRepository {
  readonly #sql: SqlExecutor;
  constructor(sql: SqlExecutor) {
    this.#sql = sql;
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

  async findAccess(
    userId: string,
    options: { sessionId?: string; at?: Date } = {},
  ): Promise<UserAccess | undefined> {
    if (!isRowId(userId) || (options.sessionId !== undefined && !isRowId(options.sessionId)))
      return undefined;
    const params: unknown[] = [userId];
    let sessionCheck = '';
    if (options.sessionId !== undefined) {
      params.push(options.sessionId, sqlTime(options.at ?? new Date()));
      sessionCheck = `AND EXISTS (SELECT 1 FROM users.sessions s WHERE s.id = $2 AND s.user_id = u.id
                        AND s.revoked_at IS NULL AND s.expires_at > $3::timestamptz)`;
    }
    // One statement, so the answer is one consistent snapshot of user, session, roles and permissions.
    const [row] = await this.#sql.query<
      Pick<UserRow, 'id' | 'email' | 'status'> & { roles: string[]; permissions: string[] }
    >(
      `SELECT u.id, u.email, u.status,
         ARRAY(SELECT r.name FROM users.user_roles ur JOIN users.roles r ON r.id = ur.role_id
               WHERE ur.user_id = u.id ORDER BY r.name) AS roles,
         ARRAY(SELECT DISTINCT p.resource || ':' || p.action FROM users.user_roles ur
               JOIN users.role_permissions rp ON rp.role_id = ur.role_id
               JOIN users.permissions p ON p.id = rp.permission_id
               WHERE ur.user_id = u.id ORDER BY 1) AS permissions
       FROM users.users u WHERE u.id = $1 ${sessionCheck}`,
      params,
    );
    if (!row) return undefined;
    return {
      userId: row.id,
      email: optional(row.email),
      status: row.status,
      roles: row.roles,
      permissions: row.permissions,
    };
  }
}
