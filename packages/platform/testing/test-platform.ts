import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /**
   * Keep PGlite's data in a temporary folder instead of in memory, so that `restart()` finds it
   * (PostgreSQL keeps its database either way).
   */
  restartable?: boolean;
}

export interface TestPlatform extends Platform {
  /** Closes the platform and drops its database (or removes its data folder). */
  dispose(): Promise<void>;
  /**
   * Closes this platform (gracefully, as a restart would) and builds a new one on the same data — the
   * same PGlite folder (`restartable`) or PostgreSQL database — with `env` added to its environment.
   * Use the platform it resolves to (and dispose that one); this one is closed.
   */
  restart(env?: Record<string, string>): Promise<TestPlatform>;
}

/** Where a test platform keeps its data between restarts, and how it is removed. */
interface TestData {
  env: Record<string, string>;
  inMemory: boolean;
  remove(): Promise<void>;
}

/**
 * The real platform for HTTP tests (`platform.app.inject(...)`), on PGlite in memory or on a fresh
 * database of the real PostgreSQL test server. Workers are started; nothing listens on a port.
 */
export async function createTestPlatform(options: TestPlatformOptions): Promise<TestPlatform> {
  return startTestPlatform(options, await createTestData(options));
}

async function createTestData(options: TestPlatformOptions): Promise<TestData> {
  if (options.target === 'postgres') {
    const server = testDatabaseUrl();
    if (!server) throw new Error('POLYSHOP_TEST_DATABASE_URL is not set');
    const database = await createTestDatabase(server);
    return {
      env: { DATABASE_URL: database.url },
      inMemory: true,
      remove: () => dropTestDatabase(server, database.name),
    };
  }
  if (!options.restartable) return { env: {}, inMemory: true, remove: async () => {} };
  const folder = await mkdtemp(join(tmpdir(), 'polyshop-test-'));
  return {
    env: { POLYSHOP_DATA_DIR: folder },
    inMemory: false,
    remove: () => rm(folder, { recursive: true, force: true }),
  };
}

async function startTestPlatform(options: TestPlatformOptions, data: TestData): Promise<TestPlatform> {
  const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'silent', ...TEST_ADMIN_ENV, ...options.env, ...data.env };
  const platform = await buildPlatform({
    env,
    inMemory: data.inMemory,
    logger: options.logger ?? silentLogger(),
    ...(options.services ? { services: options.services } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.definitions ? { definitions: options.definitions } : {}),
  });
  await platform.start();
  return Object.assign(platform, {
    async dispose() {
      await platform.close();
      await data.remove();
    },
    async restart(extra: Record<string, string> = {}) {
      if (data.inMemory && options.target === 'pglite') {
        throw new Error('An in-memory PGlite platform cannot restart: create it with `restartable: true`.');
      }
      await platform.close();
      return startTestPlatform({ ...options, env: { ...options.env, ...extra } }, data);
    },
  });
}
