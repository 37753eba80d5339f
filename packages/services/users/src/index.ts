/**
 * The user service's public surface: its `definition` for the platform, the client other services
 * use, the Fastify authorization hooks every service guards its routes with, and its events.
 */
export { definition, createUsersService, type UsersModule } from './users-module.ts';
export { createAuthorizer, bearerToken } from './http/users-authorizer.ts';
export { UsersHttpClient, type UsersClient, type UserSummary } from './users-client.ts';
export { SERVICE_PRINCIPAL } from './app/introspect.ts';
export { createAdmin } from './app/bootstrap-admin.ts';
export { ADMIN_ROLE, USERS_ADMIN, type UsersDeps } from './app/users-deps.ts';
export { passwordWeakness, MIN_PASSWORD_LENGTH } from './domain/password-policy.ts';
export type {
  UserRegistered,
  UserRegisteredData,
  UserErased,
  UserErasedData,
  UsersEvent,
} from './domain/users-events.ts';
export { USER_EVENT_TYPES } from './domain/users-events.ts';
