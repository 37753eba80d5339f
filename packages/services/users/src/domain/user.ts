/** A user account. `email`, `name` are `undefined` once erased. */
export interface User {
  id: string;
  email: string | undefined;
  name: string | undefined;
  /** scrypt hash (`scrypt$N$r$p$salt$hash`); never the password itself. */
  passwordHash: string | undefined;
  status: UserStatus;
  createdAt: Date;
  erasedAt: Date | undefined;
}

/** `erased`: personal data removed, the account can no longer log in. */
export type UserStatus = 'active' | 'erased';

/** A named set of permissions. */
export interface Role {
  id: string;
  name: string;
  description: string;
  createdAt: Date;
}

/** The right to perform `action` on `resource`; `*` in either part is a wildcard (`*:*` = every permission). */
export interface Permission {
  id: string;
  resource: string;
  action: string;
}

/** A role with the permissions it grants. */
export interface RoleWithPermissions extends Role {
  permissions: Permission[];
}

/** What a request may do, as held in the database right now. */
export interface UserAccess {
  userId: string;
  email: string | undefined;
  status: UserStatus;
  /** Role names. */
  roles: string[];
  /** Effective permissions as `resource:action`. */
  permissions: string[];
}

/** A login: the family of its rotating refresh tokens. */
export interface Session {
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | undefined;
  revokedReason: string | undefined;
  ip: string | undefined;
  userAgent: string | undefined;
}

/** `resource:action` as one string. */
export function permissionName(permission: Pick<Permission, 'resource' | 'action'>): string {
  return `${permission.resource}:${permission.action}`;
}
