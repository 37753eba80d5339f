import type { Principal } from '@polyshop/http';
import type { User, UserStatus } from '../domain/user.ts';

/** What other services may know of a user. */
export interface UserSummary {
  id: string;
  /** Absent once the user is erased. */
  email?: string;
  name?: string;
  status: UserStatus;
}

/** A new account as registration answers it. */
export interface RegisteredUserView {
  id: string;
  email: string;
  name: string;
}

/** The caller's own profile (`/me`): the account with its roles and effective permissions. */
export interface ProfileView extends RegisteredUserView {
  /** ISO 8601. */
  createdAt: string;
  roles: string[];
  /** `resource:action`; `*` is a wildcard. */
  permissions: string[];
}

export function toUserSummary(user: User): UserSummary {
  return {
    id: user.id,
    status: user.status,
    ...(user.email ? { email: user.email } : {}),
    ...(user.name ? { name: user.name } : {}),
  };
}

/** An active user (registration and `/me` only see those: they have an email and a name). */
export function toRegisteredUserView(user: User): RegisteredUserView {
  return { id: user.id, email: user.email!, name: user.name! };
}

export function toProfileView(user: User, principal: Principal): ProfileView {
  return {
    ...toRegisteredUserView(user),
    createdAt: user.createdAt.toISOString(),
    roles: principal.roles,
    permissions: principal.permissions,
  };
}
