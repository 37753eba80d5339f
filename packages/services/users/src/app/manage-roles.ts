import { AppError, newId } from '@polyshop/kernel';
import { permissionName, type Permission, type RoleWithPermissions } from '../domain/user.ts';
import { keepingAnAdministrator } from './last-administrator.ts';
import type { Actor, UsersDeps } from './users-deps.ts';
import { userNotFound } from './users-deps.ts';

const roleNotFound = () => AppError.notFound('USERS.ROLE_NOT_FOUND', 'No such role.', { field: 'roleId' });

function auditBase(deps: UsersDeps, actor: Actor) {
  return {
    occurredAt: deps.clock.now(),
    actorId: actor.principal.userId,
    ip: actor.ip,
    userAgent: actor.userAgent,
  };
}

/** Creates an empty role; `conflict` when the name is taken (case-insensitive). */
export async function createRole(
  deps: UsersDeps,
  input: { name: string; description?: string | undefined },
  actor: Actor,
): Promise<RoleWithPermissions> {
  const role = {
    id: newId(),
    name: input.name.trim(),
    description: input.description?.trim() ?? '',
    createdAt: deps.clock.now(),
  };
  await deps.store.transaction(async (tx) => {
    await tx.roles.createRole(role);
    await tx.audit.append({
      ...auditBase(deps, actor),
      type: 'role.created',
      details: { roleId: role.id, role: role.name },
    });
  });
  return { ...role, permissions: [] };
}

/** Every role with its permissions. */
export function listRoles(deps: UsersDeps): Promise<RoleWithPermissions[]> {
  return deps.store.roles.listRoles();
}

/** The role, or `not_found`. */
export async function getRole(deps: UsersDeps, roleId: string): Promise<RoleWithPermissions> {
  return (await deps.store.roles.findRole(roleId)) ?? Promise.reject(roleNotFound());
}

/** Grants `resource:action` to a role (idempotent: `granted` false when it already had it). */
export async function grantPermission(
  deps: UsersDeps,
  roleId: string,
  input: Omit<Permission, 'id'>,
  actor: Actor,
): Promise<{ permission: Permission; granted: boolean }> {
  return deps.store.transaction(async (tx) => {
    const result = await tx.roles.grantPermission(roleId, input, deps.clock.now(), newId);
    if (result.granted) {
      await tx.audit.append({
        ...auditBase(deps, actor),
        type: 'role.permission_granted',
        details: {
          roleId,
          permissionId: result.permission.id,
          permission: permissionName(result.permission),
        },
      });
    }
    return result;
  });
}

/** Withdraws a permission from a role; `not_found` when the role or the grant does not exist. */
export async function revokePermission(
  deps: UsersDeps,
  roleId: string,
  permissionId: string,
  actor: Actor,
): Promise<void> {
  await deps.store.transaction(async (tx) => {
    if (!(await tx.roles.findRole(roleId))) throw roleNotFound();
    const revoked = await keepingAnAdministrator(
      tx,
      { what: 'withdrawing this permission from the role', field: 'permissionId' },
      () => tx.roles.revokePermission(roleId, permissionId),
    );
    if (!revoked) {
      throw AppError.notFound('USERS.PERMISSION_NOT_GRANTED', 'The role does not hold this permission.', {
        field: 'permissionId',
      });
    }
    await tx.audit.append({
      ...auditBase(deps, actor),
      type: 'role.permission_revoked',
      details: { roleId, permissionId },
    });
  });
}

/** Gives a role to an active user (idempotent); `not_found` for an unknown (or erased) user or role. */
export async function assignRole(
  deps: UsersDeps,
  userId: string,
  roleId: string,
  actor: Actor,
): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const user = await tx.users.findById(userId);
    if (user?.status !== 'active') throw userNotFound();
    if (await tx.roles.assignRole(userId, roleId, deps.clock.now(), actor.principal.userId)) {
      await tx.audit.append({
        ...auditBase(deps, actor),
        type: 'user.role_granted',
        targetUserId: userId,
        details: { roleId },
      });
    }
  });
}

/** Takes a role from a user; `not_found` when the user does not hold it. */
export async function unassignRole(
  deps: UsersDeps,
  userId: string,
  roleId: string,
  actor: Actor,
): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const unassigned = await keepingAnAdministrator(
      tx,
      { what: 'taking this role from the user', field: 'roleId' },
      () => tx.roles.unassignRole(userId, roleId),
    );
    if (!unassigned) {
      throw AppError.notFound('USERS.ROLE_NOT_ASSIGNED', 'The user does not hold this role.', {
        field: 'roleId',
      });
    }
    await tx.audit.append({
      ...auditBase(deps, actor),
      type: 'user.role_revoked',
      targetUserId: userId,
      details: { roleId },
    });
  });
}
