import type { Permission, Role, RoleWithPermissions } from '../domain/user.ts';

/** Roles, permissions and who holds them, with referential integrity between the three. */
export interface RoleRepository {
  /** Adds a role; throws `conflict` `USERS.ROLE_NAME_TAKEN` (field `name`) for a duplicate name (case-insensitive). */
  createRole(role: Role): Promise<void>;
  findRole(id: string): Promise<RoleWithPermissions | undefined>;
  findRoleByName(name: string): Promise<Role | undefined>;
  listRoles(): Promise<RoleWithPermissions[]>;
  /**
   * Grants `resource:action` to the role, creating the permission if needed (ids from `newId`).
   * Throws `not_found` `USERS.ROLE_NOT_FOUND` for an unknown role. `granted` is false when the role
   * already had it.
   */
  grantPermission(
    roleId: string,
    permission: Omit<Permission, 'id'>,
    at: Date,
    newId: () => string,
  ): Promise<{ permission: Permission; granted: boolean }>;
  /** Withdraws a permission from a role; false when the role did not have it. */
  revokePermission(roleId: string, permissionId: string): Promise<boolean>;
  /**
   * Gives the role to the user. Throws `not_found` (`USERS.USER_NOT_FOUND`, `USERS.ROLE_NOT_FOUND`)
   * when either does not exist, never leaving a dangling row. False when the user already had it.
   */
  assignRole(userId: string, roleId: string, at: Date, grantedBy: string | undefined): Promise<boolean>;
  /** Takes the role from the user; false when the user did not have it. */
  unassignRole(userId: string, roleId: string): Promise<boolean>;
  /** The roles the user holds, with their permissions. */
  rolesOf(userId: string): Promise<RoleWithPermissions[]>;
  /**
   * Inside a transaction: waits for, then holds until the transaction ends, the lock every change
   * that may take a permission from someone takes, so two such changes never each count the other's
   * holder as still there.
   */
  lockPermissionWithdrawals(): Promise<void>;
  /** How many active users hold `resource:action`, directly or through a wildcard (`users:*`, `*:admin`, `*:*`). */
  countActiveHolders(resource: string, action: string): Promise<number>;
}
