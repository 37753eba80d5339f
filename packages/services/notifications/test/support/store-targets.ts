import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { postgresTargets, skipReason, testServerUrl } from '@polyshop/testing';

const VARIABLE = 'POLYSHOP_TEST_MONGODB_URL';

/**
 * Fresh databases on the MongoDB test server for platform tests (`MONGODB_URL`), dropped by
 * `dispose`. `skip` says why when the server is not available here.
 */
export function mongoDatabases() {
  const server = testServerUrl(VARIABLE);
  const created: string[] = [];
  return {
    skip: skipReason(VARIABLE, server),
    /** The URL of a new, empty database. */
    url(): string {
      const name = `polyshop_t_${randomBytes(5).toString('hex')}`;
      created.push(name);
      const url = new URL(server!);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async dispose(): Promise<void> {
      if (created.length === 0) return;
      const client = await MongoClient.connect(server!);
      try {
        for (const name of created.splice(0)) await client.db(name).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

/**
 * Where a platform test runs the notification service: the platform's PostgreSQL engine, plus its own store's
 * settings.
 */
export interface PlatformStoreTarget {
  name: string;
  /** The platform's PostgreSQL (users, and notifications unless `env` moves them). */
  target: 'pglite' | 'postgres';
  skip: string | false;
  /** Environment for `createTestPlatform`: a fresh notification store on every call. */
  env(): Record<string, string>;
  /** Drops what `env` created. */
  dispose(): Promise<void>;
}

/** PGlite, the real PostgreSQL, and MongoDB (`NOTIFICATION_STORE=mongodb`, the rest on PGlite). */
export function platformStoreTargets(): PlatformStoreTarget[] {
  const mongo = mongoDatabases();
  return [
    ...postgresTargets().map((target) => ({
      name: target.name,
      target: target.name,
      skip: target.skip,
      env: () => ({}),
      dispose: async () => {},
    })),
    {
      name: 'mongodb',
      target: 'pglite',
      skip: mongo.skip,
      env: () => ({ NOTIFICATION_STORE: 'mongodb', MONGODB_URL: mongo.url() }),
      dispose: () => mongo.dispose(),
    },
  ];
}
