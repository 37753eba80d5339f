import type { Principal } from '@polyshop/http';
import type { AuditEntry, AuditQuery } from '../domain/audit-entry.ts';
import { userNotFound, type UsersDeps } from './users-deps.ts';
import { toProfileView, toUserSummary, type ProfileView, type UserSummary } from './users-views.ts';

/** The caller's own profile; not found once the account is no longer active (erased, disabled). */
export async function getProfile(deps: UsersDeps, principal: Principal): Promise<ProfileView> {
  const user = await deps.store.users.findById(principal.userId);
  if (user?.status !== 'active') throw userNotFound();
  return toProfileView(user, principal);
}

/** A user's summary for other services, or `undefined` for an unknown id. */
export async function findUserSummary(deps: UsersDeps, userId: string): Promise<UserSummary | undefined> {
  const user = await deps.store.users.findById(userId);
  return user ? toUserSummary(user) : undefined;
}

/** The security audit trail, newest first, filtered and paged by `query`. */
export function readAuditTrail(deps: UsersDeps, query: AuditQuery): Promise<AuditEntry[]> {
  return deps.store.audit.query(query);
}
