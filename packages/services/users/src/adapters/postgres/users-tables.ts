import type { JWK } from 'jose';
import { defineTable } from '@polyshop/stores';
import type { AuditType } from '../../domain/audit-entry.ts';
import type { UserStatus } from '../../domain/user.ts';

/**
 * Every table of the `users` schema, one row type each (snake_case, as SQL returns them);
 * `test/contract/users-tables.test.ts` checks them against the migrated database.
 */

/** A row of `users.users` (an erased user keeps only id, status and dates). */
export interface UserRow {
  id: string;
  email: string | null;
  name: string | null;
  password_hash: string | null;
  status: UserStatus;
  created_at: Date;
  erased_at: Date | null;
}

/** A row of `users.roles`. */
export interface RoleRow {
  id: string;
  name: string;
  description: string;
  created_at: Date;
}

/** A row of `users.permissions`: one (resource, action) pair. */
export interface PermissionRow {
  id: string;
  resource: string;
  action: string;
}

/** A row of `users.user_roles`: a role granted to a user. */
export interface UserRoleRow {
  user_id: string;
  role_id: string;
  granted_at: Date;
  granted_by: string | null;
}

/** A row of `users.role_permissions`: a permission granted to a role. */
export interface RolePermissionRow {
  role_id: string;
  permission_id: string;
  granted_at: Date;
}

/** A row of `users.sessions`. */
export interface SessionRow {
  id: string;
  user_id: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
  ip: string | null;
  user_agent: string | null;
}

/** A row of `users.refresh_tokens`: a refresh token (hashed) of a session, used once. */
export interface RefreshTokenRow {
  token_hash: string;
  session_id: string;
  issued_at: Date;
  used_at: Date | null;
}

/** A row of `users.login_throttle`: a key's streak of failed logins (first and latest failure). */
export interface LoginThrottleRow {
  key: string;
  window_started_at: Date;
  last_failed_at: Date;
  failures: number;
}

/** A row of `users.signing_keys`: a JWT signing key pair. */
export interface SigningKeyRow {
  kid: string;
  algorithm: string;
  private_jwk: JWK;
  public_jwk: JWK;
  created_at: Date;
}

/** A row of `users.security_audit_log` (append-only; redaction clears the personal columns). */
export interface SecurityAuditRow {
  id: number;
  occurred_at: Date;
  type: AuditType;
  actor_id: string | null;
  target_user_id: string | null;
  email: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
  redacted_at: Date | null;
}

export const USERS_TABLE = defineTable<UserRow>()('users', 'users', [
  'id',
  'email',
  'name',
  'password_hash',
  'status',
  'created_at',
  'erased_at',
]);

export const ROLES_TABLE = defineTable<RoleRow>()('users', 'roles', [
  'id',
  'name',
  'description',
  'created_at',
]);

export const PERMISSIONS_TABLE = defineTable<PermissionRow>()('users', 'permissions', [
  'id',
  'resource',
  'action',
]);

export const USER_ROLES_TABLE = defineTable<UserRoleRow>()('users', 'user_roles', [
  'user_id',
  'role_id',
  'granted_at',
  'granted_by',
]);

export const ROLE_PERMISSIONS_TABLE = defineTable<RolePermissionRow>()('users', 'role_permissions', [
  'role_id',
  'permission_id',
  'granted_at',
]);

export const SESSIONS_TABLE = defineTable<SessionRow>()('users', 'sessions', [
  'id',
  'user_id',
  'created_at',
  'expires_at',
  'revoked_at',
  'revoked_reason',
  'ip',
  'user_agent',
]);

export const REFRESH_TOKENS_TABLE = defineTable<RefreshTokenRow>()('users', 'refresh_tokens', [
  'token_hash',
  'session_id',
  'issued_at',
  'used_at',
]);

export const LOGIN_THROTTLE_TABLE = defineTable<LoginThrottleRow>()('users', 'login_throttle', [
  'key',
  'window_started_at',
  'last_failed_at',
  'failures',
]);

export const SIGNING_KEYS_TABLE = defineTable<SigningKeyRow>()('users', 'signing_keys', [
  'kid',
  'algorithm',
  'private_jwk',
  'public_jwk',
  'created_at',
]);

export const SECURITY_AUDIT_LOG_TABLE = defineTable<SecurityAuditRow>()('users', 'security_audit_log', [
  'id',
  'occurred_at',
  'type',
  'actor_id',
  'target_user_id',
  'email',
  'ip',
  'user_agent',
  'details',
  'redacted_at',
]);

/** The service's own tables (`migrate` adds the messaging tables, declared in `@polyshop/stores`). */
export const USERS_TABLES = [
  USERS_TABLE,
  ROLES_TABLE,
  PERMISSIONS_TABLE,
  USER_ROLES_TABLE,
  ROLE_PERMISSIONS_TABLE,
  SESSIONS_TABLE,
  REFRESH_TOKENS_TABLE,
  LOGIN_THROTTLE_TABLE,
  SIGNING_KEYS_TABLE,
  SECURITY_AUDIT_LOG_TABLE,
];
