import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import { AppError, ConfigError } from '@polyshop/kernel';
import { OutboxRelay } from '@polyshop/stores';
import { PostgresUsersStore, USERS_SCHEMA } from './adapters/postgres/postgres-users-store.ts';
import { createAdmin } from './app/bootstrap-admin.ts';
import { introspect } from './app/introspect.ts';
import { PasswordHasher } from './app/password-hasher.ts';
import { findUserSummary } from './app/read-users.ts';
import { TokenService } from './app/token-service.ts';
import { loadUsersConfig } from './app/users-config.ts';
import type { UsersDeps } from './app/users-deps.ts';
import { adminRoutes } from './http/admin-routes.ts';
import { authRoutes } from './http/auth-routes.ts';
import { createAuthorizer } from './http/users-authorizer.ts';
import { UsersHttpClient, type UsersClient } from './users-client.ts';

/** The in-process client: the same use cases the HTTP routes call. */
export function localUsersClient(deps: UsersDeps): UsersClient {
  return {
    introspect: (token) => introspect(deps, token),
    findUser: (userId) => findUserSummary(deps, userId),
  };
}

/** Builds the user service on PostgreSQL: migrations, signing keys, the first admin, routes, outbox relay. */
export async function createUsersService(context: ServiceContext<'postgres'>): Promise<UsersModule> {
  const config = loadUsersConfig(context.env);
  const db = await context.postgres();
  let relay: OutboxRelay | undefined;
  const store = await PostgresUsersStore.open(db, { onEventsCommitted: () => relay?.wake() });
  relay = new OutboxRelay({ db, schema: USERS_SCHEMA, publisher: context.bus, logger: context.logger });
  const tokens = new TokenService({
    keys: store.keys,
    clock: context.clock,
    issuer: config.USERS_JWT_ISSUER,
    accessTokenTtlSeconds: config.USERS_ACCESS_TOKEN_TTL_SECONDS,
    privateKey: config.USERS_JWT_PRIVATE_KEY,
  });
  await tokens.init();
  const deps: UsersDeps = {
    store,
    clock: context.clock,
    hasher: new PasswordHasher({ cost: config.USERS_SCRYPT_COST }),
    tokens,
    config,
    logger: context.logger,
  };
  if (config.POLYSHOP_ADMIN_EMAIL && config.POLYSHOP_ADMIN_PASSWORD) {
    const { created, userId } = await createAdmin(deps, {
      email: config.POLYSHOP_ADMIN_EMAIL,
      password: config.POLYSHOP_ADMIN_PASSWORD,
    }).catch((error) => {
      if (!(error instanceof AppError) || error.kind !== 'invalid_input') throw error;
      throw new ConfigError([
        {
          variable: error.field === 'email' ? 'POLYSHOP_ADMIN_EMAIL' : 'POLYSHOP_ADMIN_PASSWORD',
          message: error.message,
        },
      ]);
    });
    if (created) context.logger.info({ userId }, 'first admin created from POLYSHOP_ADMIN_EMAIL');
  }
  const client = localUsersClient(deps);
  // The service guards its own routes with its own client, whatever authorizer the host was given.
  const authorizer = createAuthorizer(client);
  return {
    client,
    deps,
    async routes(app) {
      await app.register(authRoutes(deps, authorizer));
      await app.register(adminRoutes(deps, authorizer));
    },
    async start() {
      relay.start();
    },
    async stop() {
      await relay.stop();
    },
    async ready() {
      await store.ping();
    },
  };
}

/** The running user service, with its use-case dependencies for admin tooling (`polyshop users`). */
export type UsersModule = ServiceModule<UsersClient> & { deps: UsersDeps };

declare module '@polyshop/http' {
  interface ServiceRegistry {
    users: { client: UsersClient; module: UsersModule };
  }
}

/** How the platform creates the user service and reaches it from another process. */
export const definition: ServiceDefinition<'users', 'postgres'> = {
  name: 'users',
  prefix: '/users',
  defaultPort: 3001,
  stores: { variable: 'USER_STORE', supported: ['postgres'], polyglot: 'postgres' },
  create: createUsersService,
  httpClient: (baseUrl, context) => new UsersHttpClient(baseUrl, { logger: context.logger }),
};
