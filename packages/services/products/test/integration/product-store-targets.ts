import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { postgresTargets, testServerUrl } from '@polyshop/testing';

/**
 * A store the catalog runs on in a platform test: the PostgreSQL engine of the platform, and the catalog's
 * own store.
 */
export interface ProductStoreTarget {
  name: string;
  /** The platform's PostgreSQL (users, and the catalog unless `env` moves it). */
  target: 'pglite' | 'postgres';
  skip: string | false;
  /** Environment for `createTestPlatform`: a fresh catalog store on every call. */
  env(): Record<string, string>;
  /** Drops what `env` created. */
  dispose(): Promise<void>;
}

const MONGO_VARIABLE = 'POLYSHOP_TEST_MONGODB_URL';

/**
 * The catalog on MongoDB (`PRODUCT_STORE=mongodb`) with a fresh database on the MongoDB test server;
 * the rest of the platform on PGlite.
 */
export function mongoProductStore(): ProductStoreTarget {
  const server = testServerUrl(MONGO_VARIABLE);
  const databases: string[] = [];
  return {
    name: 'mongodb',
    target: 'pglite',
    skip: server ? false : `${MONGO_VARIABLE} not set (run scripts/servers up)`,
    env() {
      const database = `polyshop_t_${randomBytes(5).toString('hex')}`;
      databases.push(database);
      const url = new URL(server!);
      url.pathname = `/${database}`;
      return { PRODUCT_STORE: 'mongodb', MONGODB_URL: url.toString() };
    },
    async dispose() {
      if (databases.length === 0) return;
      const client = await MongoClient.connect(server!);
      try {
        for (const database of databases.splice(0)) await client.db(database).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

/** Every store the catalog's platform tests run on: PGlite, the real PostgreSQL, MongoDB. */
export function productStoreTargets(): ProductStoreTarget[] {
  return [
    ...postgresTargets().map((target) => ({
      name: target.name,
      target: target.name,
      skip: target.skip,
      env: () => ({}),
      dispose: async () => {},
    })),
    mongoProductStore(),
  ];
}
