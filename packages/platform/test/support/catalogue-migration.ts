import { adminToken, createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import { mongoTarget, testServerUrl, type ServerTarget } from '@polyshop/testing';
import type { MongoConnection } from '@polyshop/stores';
import { seedCatalogue } from '../../src/cli/seed-command.ts';

type MongoServer = ServerTarget<MongoConnection>;
/** A namespace of its own on the real MongoDB. */
export type MongoNamespace = Awaited<ReturnType<MongoServer['open']>>;

/** The real MongoDB and PostgreSQL servers a products migration test moves between, and why it skips. */
export function mongoAndPostgres(): {
  mongo: MongoServer;
  postgresUrl: string | undefined;
  skip: string | false;
} {
  const mongo = mongoTarget();
  const postgresUrl = testServerUrl('POLYSHOP_TEST_DATABASE_URL');
  return {
    mongo,
    postgresUrl,
    skip: mongo.skip || (postgresUrl ? false : 'POLYSHOP_TEST_DATABASE_URL is not set'),
  };
}

/**
 * A platform (users and products on PostgreSQL, 12 products seeded) whose `MONGODB_URL` is a fresh
 * namespace on the real MongoDB, and a platform admin's token: the products migration over HTTP.
 */
export async function openCataloguePlatform(
  mongo: MongoServer,
): Promise<{ platform: TestPlatform; opened: MongoNamespace; admin: string }> {
  const opened = await mongo.open();
  let platform: TestPlatform | undefined;
  try {
    platform = await createTestPlatform({
      target: 'postgres',
      services: ['users', 'products'],
      env: { MONGODB_URL: mongoUrlOf(opened) },
    });
    await seedCatalogue(platform, { products: 12, seed: 3, batchSize: 12, progress: false });
    return { platform, opened, admin: await adminToken(platform) };
  } catch (error) {
    await closeCataloguePlatform(mongo, platform, opened);
    throw error;
  }
}

/** Disposes what `openCataloguePlatform` opened (either may be missing when it failed). */
export async function closeCataloguePlatform(
  mongo: MongoServer,
  platform: TestPlatform | undefined,
  opened: MongoNamespace | undefined,
): Promise<void> {
  await platform?.dispose();
  if (opened) await mongo.close(opened);
}

/** This process's environment without the platform's stores and data folder: a CLI child gets its own. */
export function envWithoutPlatformStores(): NodeJS.ProcessEnv {
  const {
    NATS_URL: _nats,
    DATABASE_URL: _db,
    MONGODB_URL: _mongo,
    POLYSHOP_DATA_DIR: _dir,
    ...rest
  } = process.env;
  return rest;
}

/** The `MONGODB_URL` of a namespace opened on the real MongoDB test server. */
export function mongoUrlOf(opened: MongoNamespace): string {
  const url = new URL(testServerUrl('POLYSHOP_TEST_MONGODB_URL')!);
  url.pathname = `/${opened.namespace}`;
  return url.toString();
}
