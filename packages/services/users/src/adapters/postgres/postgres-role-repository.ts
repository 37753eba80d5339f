import { AppError } from '@polyshop/kernel';
import { constraintOf, isForeignKeyViolation, isUniqueViolation, type SqlExecutor } from '@polyshop/stores';
import type { Permission, Role, RoleWithPermissions } from '../../domain/user.ts';
import type { RoleRepository } from '../../ports/role-repository.ts';
import { isRowId, sqlTime } from './sql-values.ts';
import type { RoleRow } from './users-tables.ts';

/** A role as `ROLE_COLUMNS` reads it: its row and its permissions. */
type RoleWithPermissionsRow = RoleRow & { permissions: Permission[] };

const ROLE_COLUMNS = `r.id, r.name, r.description, r.created_at,
  COALESCE((SELECT json_agg(json_build_object('id', p.id, 'resource', p.resource, 'action', p.action) ORDER BY p.resource, p.action)
            FROM users.role_permissions rp JOIN users.permissions p ON p.id = rp.permission_id
            WHERE rp.role_id = r.id), '[]'::json) AS permissions`;

function toRole(row: RoleWithPermissionsRow): RoleWithPermissions {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    createdAt: row.created_at,
    permissions: row.permissions,
  };
}

const roleNotFound = () => AppError.notFound('USERS.ROLE_NOT_FOUND', 'No such role.', { field: 'roleId' });
const userNotFound = () => AppError.notFound('USERS.USER_NOT_FOUND', 'No such user.', { field: 'userId' });

/** `RoleRepository` on PostgreSQL: foreign keys keep roles, permissions and assignments consistent. */
export class PostgresRoleRepository implements RoleRepository {
  readonly #sql: SqlExecutor;
  constructor(sql: SqlExecutor) {
    this.#sql = sql;
  }

  async createRole(role: Role): Promise<void> {
    try {
      await this.#sql.query(
        `INSERT INTO users.roles (id, name, description, created_at) VALUES ($1, $2, $3, $4::timestamptz)`,
        [role.id, role.name, role.description, sqlTime(role.createdAt)],
      );
    } catch (error) {
      if (isUniqueViolation(error, 'roles_name_ci')) {
        throw AppError.conflict('USERS.ROLE_NAME_TAKEN', 'A role with this name already exists.', {
          field: 'name',
        });
      }
      throw error;
    }
  }

  async findRole(id: string): Promise<RoleWithPermissions | undefined> {
    if (!isRowId(id)) return undefined;
    const [row] = await this.#sql.query<RoleWithPermissionsRow>(
      `SELECT ${ROLE_COLUMNS} FROM users.roles r WHERE r.id = $1`,
      [id],
    );
    return row && toRole(row);
  }

  async findRoleByName(name: string): Promise<Role | undefined> {
    const [row] = await this.#sql.query<RoleWithPermissionsRow>(
      `SELECT ${ROLE_COLUMNS} FROM users.roles r WHERE lower(r.name) = lower($1)`,
      [name],
    );
    return row && toRole(row);
  }

  async listRoles(): Promise<RoleWithPermissions[]> {
    const rows = await this.#sql.query<RoleWithPermissionsRow>(
      `SELECT ${ROLE_COLUMNS} FROM users.roles r ORDER BY lower(r.name)`,
    );
    return rows.map(toRole);
  }

  async grantPermission(roleId: string, permission: Omit<Permission, 'id'>, at: Date, newId: () => string) {
    if (!isRowId(roleId)) throw roleNotFound();
    await this.#sql.query(
      `INSERT INTO users.permissions (id, resource, action) VALUES ($1, $2, $3) ON CONFLICT (resource, action) DO NOTHING`,
      [newId(), permission.resource, permission.action],
    );
    const [stored] = await this.#sql.query<Permission>(
      `SELECT id, resource, action FROM users.permissions WHERE resource = $1 AND action = $2`,
      [permission.resource, permission.action],
    );
    try {
      const granted = await this.#sql.execute(
        `INSERT INTO users.role_permissions (role_id, permission_id, granted_at) VALUES ($1, $2, $3::timestamptz) ON CONFLICT DO NOTHING`,
        [roleId, stored!.id, sqlTime(at)],
      );
      return { permission: stored!, granted: granted > 0 };
    } catch (error) {
      if (isForeignKeyViolation(error)) throw roleNotFound();
      throw error;
    }
  }

  async revokePermission(roleId: string, permissionId: string): Promise<boolean> {
    if (!isRowId(roleId) || !isRowId(permissionId)) return false;
    return (
      (await this.#sql.execute(
        `DELETE FROM users.role_permissions WHERE role_id = $1 AND permission_id = $2`,
        [roleId, permissionId],
      )) > 0
    );
  }

  async assignRole(
    userId: string,
    roleId: string,
    at: Date,
    grantedBy: string | undefined,
  ): Promise<boolean> {
    if (!isRowId(userId)) throw userNotFound();
    if (!isRowId(roleId)) throw roleNotFound();
    try {
      const inserted = await this.#sql.execute(
        `INSERT INTO users.user_roles (user_id, role_id, granted_at, granted_by) VALUES ($1, $2, $3::timestamptz, $4) ON CONFLICT DO NOTHING`,
        [userId, roleId, sqlTime(at), grantedBy ?? null],
      );
      return inserted > 0;
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw constraintOf(error) === 'user_roles_role_id_fkey' ? roleNotFound() : userNotFound();
      }
      throw error;
    }
  }

  async unassignRole(userId: string, roleId: string): Promise<boolean> {
    if (!isRowId(userId) || !isRowId(roleId)) return false;
    return (
      (await this.#sql.execute(`DELETE FROM users.user_roles WHERE user_id = $1 AND role_id = $2`, [
        userId,
        roleId,
      ])) > 0
    );
  }

  async lockPermissionWithdrawals(): Promise<void> {
    await this.#sql.query(`SELECT pg_advisory_xact_lock(hashtext('polyshop.users.permission-withdrawals'))`);
  }

  async countActiveHolders(resource: string, action: string): Promise<number> {
    const [row] = await this.#sql.query<{ holders: number }>(
      `SELECT count(DISTINCT u.id)::int AS holders
         FROM users.users u
         JOIN users.user_roles ur ON ur.user_id = u.id
         JOIN users.role_permissions rp ON rp.role_id = ur.role_id
         JOIN users.permissions p ON p.id = rp.permission_id
        WHERE u.status = 'active' AND p.resource IN ($1, '*') AND p.action IN ($2, '*')`,
      [resource, action],
    );
    return row?.holders ?? 0;
  }

  async rolesOf(userId: string): Promise<RoleWithPermissions[]> {
    if (!isRowId(userId)) return [];
    const rows = await this.#sql.query<RoleWithPermissionsRow>(
      `SELECT ${ROLE_COLUMNS} FROM users.roles r JOIN users.user_roles ur ON ur.role_id = r.id WHERE ur.user_id = $1 ORDER BY lower(r.name)`,
      [userId],
    );
    return rows.map(toRole);
  }
}
