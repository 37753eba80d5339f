import { silentLogger, type Clock, type Logger } from '@polyshop/kernel';
import type { AnyServiceDefinition, ServiceName } from '@polyshop/http';
import {
  createTestDatabase,
  dropTestDatabase,
  testDatabaseUrl,
  type PostgresTarget,
} from '@polyshop/testing';
import { buildPlatform, type Platform } from '../src/platform.ts';

/** The bootstrap admin every test platform starts with (see `adminToken` in auth-helpers). */
export const TEST_ADMIN = { email: 'admin@polyshop.test', password: 'Polyshop-Sup3r-Secret!' } as const;
const TEST_ADMIN_ENV = {
  POLYSHOP_ADMIN_EMAIL: TEST_ADMIN.email,
  POLYSHOP_ADMIN_PASSWORD: TEST_ADMIN.password,
};

export interface TestPlatformOptions {
  /** The PostgreSQL engine: in-memory PGlite, or a fresh database on the real server. */
  target: PostgresTarget['name'];
  services?: ServiceName[];
  /** Extra environment (service configuration). */
  env?: Record<string, string>;
  clock?: Clock;
  logger?: Logger;
  definitions?: AnyServiceDefinition[];
}

export interface TestPlatform extends Platform {
  /** Closes the platform and drops its database. */
  dispose(): Promise<void>;
}

/**
 * The real platform for HTTP tests (`platform.app.inject(...)`), on PGlite in memory or on a fresh
 * database of the real PostgreSQL test server. Workers are started; nothing listens on a port.
 */
export async function createTestPlatform(options: TestPlatformOptions): Promise<TestPlatform> {
  let database: { url: string; name: string } | undefined;
  const server = options.target === 'postgres' ? testDatabaseUrl() : undefined;
  if (options.target === 'postgres') {
    if (!server) throw new Error('POLYSHOP_TEST_DATABASE_URL is not set');
    database = await createTestDatabase(server);
  }
  const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'silent', ...TEST_ADMIN_ENV, ...options.env };
  if (database) env.DATABASE_URL = database.url;
  const platform = await buildPlatform({
    env,
    inMemory: true,
    logger: options.logger ?? silentLogger(),
    ...(options.services ? { services: options.services } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.definitions ? { definitions: options.definitions } : {}),
  });
  await platform.start();
  return Object.assign(platform, {
    async dispose() {
      await platform.close();
      if (database && server) await dropTestDatabase(server, database.name);
    },
  });
}
