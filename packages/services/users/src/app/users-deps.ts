import { AppError, type Clock, type Logger } from '@polyshop/kernel';
import type { Principal } from '@polyshop/http';
import type { UsersStore } from '../ports/users-store.ts';
import type { PasswordHasher } from './password-hasher.ts';
import type { TokenService } from './token-service.ts';
import type { UsersConfig } from './users-config.ts';

/** What every use case of the user service works with. */
export interface UsersDeps {
  store: UsersStore;
  clock: Clock;
  hasher: PasswordHasher;
  tokens: TokenService;
  config: UsersConfig;
  logger: Logger;
}

/** Where a request came from, for the audit trail and throttling. */
export interface RequestMeta {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** The one who performs an administrative action, and where from. */
export interface Actor extends RequestMeta {
  principal: Principal;
}

/** The name of the role the bootstrap admin holds; it grants `*:*`. */
export const ADMIN_ROLE = 'admin';
/** The permission that administers users, roles and the audit trail. */
export const USERS_ADMIN = { resource: 'users', action: 'admin' } as const;

export const userNotFound = () =>
  AppError.notFound('USERS.USER_NOT_FOUND', 'No such user.', { field: 'userId' });
