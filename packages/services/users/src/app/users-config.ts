import Type, { type Static } from 'typebox';
import { loadConfig } from '@polyshop/kernel';

/** The user service's environment variables. */
export const UsersConfigSchema = Type.Object({
  /** With `POLYSHOP_ADMIN_PASSWORD`: the first admin, created once at start-up. */
  POLYSHOP_ADMIN_EMAIL: Type.Optional(Type.String({ minLength: 3 })),
  POLYSHOP_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  /** Shared secret of service-to-service calls; accepted as a bearer token only when set. */
  POLYSHOP_INTERNAL_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** Access token lifetime. */
  USERS_ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 86_400, default: 900 }),
  /** Refresh token (session) lifetime. */
  USERS_REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 365 * 86_400, default: 30 * 86_400 }),
  /** Signing key (PKCS#8 PEM or private JWK as JSON, Ed25519 or P-256); without it one is generated and stored. */
  USERS_JWT_PRIVATE_KEY: Type.Optional(Type.String({ minLength: 32 })),
  /** Token issuer (`iss`). */
  USERS_JWT_ISSUER: Type.String({ default: 'polyshop-users', minLength: 1 }),
  /** Free failed logins per (client address, account) before the waits start. */
  USERS_LOGIN_MAX_FAILURES_PER_ACCOUNT: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
  /** Free failed logins per client address (all accounts) before the waits start. */
  USERS_LOGIN_MAX_FAILURES_PER_IP: Type.Integer({ minimum: 1, maximum: 100_000, default: 50 }),
  /** The wait after the first failure past the free ones; it doubles with each further failure. */
  USERS_LOGIN_BACKOFF_BASE_MS: Type.Integer({ minimum: 1, maximum: 3_600_000, default: 1000 }),
  /** The longest wait, and how long a key must go without failures to be forgotten. */
  USERS_LOGIN_THROTTLE_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 900 }),
  /** scrypt cost parameter N (a power of two). */
  USERS_SCRYPT_COST: Type.Integer({ minimum: 1024, maximum: 1_048_576, default: 16_384 }),
});

export type UsersConfig = Static<typeof UsersConfigSchema>;

export function loadUsersConfig(env: NodeJS.ProcessEnv): UsersConfig {
  return loadConfig(UsersConfigSchema, env);
}
