import { AppError, createEvent } from '@polyshop/kernel';
import { hasPermission } from '@polyshop/http';
import type { AuditEntry } from '../domain/audit-entry.ts';
import type { RoleWithPermissions, Session, User } from '../domain/user.ts';
import type { UserErasedData } from '../domain/users-events.ts';
import { keepingAnAdministrator } from './last-administrator.ts';
import type { Actor, UsersDeps } from './users-deps.ts';
import { USERS_ADMIN, userNotFound } from './users-deps.ts';

/** Everything the service holds about one person (GDPR access request). */
export interface PersonalDataExport {
  user: Pick<User, 'id' | 'email' | 'name' | 'status' | 'createdAt' | 'erasedAt'>;
  roles: Pick<RoleWithPermissions, 'id' | 'name'>[];
  sessions: Session[];
  auditTrail: AuditEntry[];
  exportedAt: Date;
}

/** Only the person themselves or a holder of `users:admin` may read or erase their data. */
export function assertSelfOrAdmin(actor: Actor, userId: string): void {
  if (
    actor.principal.userId !== userId &&
    !hasPermission(actor.principal, USERS_ADMIN.resource, USERS_ADMIN.action)
  ) {
    throw AppError.forbidden('AUTH.FORBIDDEN', 'Only the user or an administrator may do this.', {
      details: { required: 'users:admin' },
    });
  }
}

/** Collects the user's personal data; an erased user's export holds none. */
export async function exportPersonalData(
  deps: UsersDeps,
  userId: string,
  actor: Actor,
): Promise<PersonalDataExport> {
  assertSelfOrAdmin(actor, userId);
  const { store, clock } = deps;
  const user = await store.users.findById(userId);
  if (!user) throw userNotFound();
  const [roles, sessions, auditTrail] = await Promise.all([
    store.roles.rolesOf(userId),
    store.sessions.listSessions(userId),
    store.audit.query({ userId, limit: 10_000 }),
  ]);
  const exportedAt = clock.now();
  await store.audit.append({
    occurredAt: exportedAt,
    type: 'user.exported',
    actorId: actor.principal.userId,
    targetUserId: userId,
  });
  const { id, email, name, status, createdAt, erasedAt } = user;
  return {
    user: { id, email, name, status, createdAt, erasedAt },
    roles: roles.map((r) => ({ id: r.id, name: r.name })),
    sessions,
    auditTrail,
    exportedAt,
  };
}

/**
 * Erases a user: personal data removed, roles dropped, every session revoked (their tokens stop
 * working on the next request), audit rows kept with their personal data cleared, `user.erased` emitted.
 */
export async function eraseUser(deps: UsersDeps, userId: string, actor: Actor): Promise<void> {
  assertSelfOrAdmin(actor, userId);
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    const user = await tx.users.findById(userId);
    if (user?.status !== 'active') throw userNotFound();
    await keepingAnAdministrator(tx, { what: 'erasing this account', field: 'userId' }, () =>
      tx.users.erase(userId, now),
    );
    await tx.sessions.revokeAllSessions(userId, now, 'erased');
    await tx.sessions.redactSessions(userId);
    await tx.audit.redactUser(userId, user.email ? [user.email] : [], now);
    const self = actor.principal.userId === userId;
    // The erasure's own row names no personal data of the erased user (an admin's IP is the admin's).
    await tx.audit.append({
      occurredAt: now,
      type: 'user.erased',
      actorId: self ? userId : actor.principal.userId,
      targetUserId: userId,
      ip: self ? undefined : actor.ip,
      userAgent: self ? undefined : actor.userAgent,
    });
    const data: UserErasedData = { userId };
    await tx.emit(
      createEvent(
        'users',
        { type: 'user.erased', aggregateType: 'user', aggregateId: userId, data },
        deps.clock,
      ),
    );
  });
}
