import { randomBytes } from 'node:crypto';
import { MigrationEngine, MigrationStateStore, type MigrationSides } from '@polyshop/migration';
import { adminToken, createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import { openMongo, type MongoConnection, type SqlDatabase } from '@polyshop/stores';
import { skipReason, testServerUrl } from '@polyshop/testing';
import { MongoCatalogSide } from '../../src/adapters/migration/mongo-catalog-side.ts';
import { PostgresCatalogSide } from '../../src/adapters/migration/postgres-catalog-side.ts';

const MONGO = 'POLYSHOP_TEST_MONGODB_URL';
const mongoServer = testServerUrl(MONGO);

/** Why a live-move test cannot run here (no MongoDB test server), or false. */
export const liveMoveSkip = skipReason(MONGO, mongoServer);

/** A running platform (users + products on PGlite, MONGODB_URL on a fresh database) and an engine to move it. */
export interface LiveMove {
  platform: TestPlatform;
  token: string;
  mongo: MongoConnection;
  db: SqlDatabase;
  engine: MigrationEngine;
  /** The catalogue's PostgreSQL side (`from`) and MongoDB side (`to`). */
  sides: MigrationSides;
  close(): Promise<void>;
}

export async function openLiveMove(): Promise<LiveMove> {
  const database = `polyshop_t_${randomBytes(5).toString('hex')}`;
  const url = new URL(mongoServer!);
  url.pathname = `/${database}`;
  const platform = await createTestPlatform({
    target: 'pglite',
    services: ['users', 'products'],
    env: { MONGODB_URL: url.toString() },
  });
  const token = await adminToken(platform);
  const mongo = await openMongo({ url: mongoServer!, database });
  const db = await platform.postgres();
  return {
    platform,
    token,
    mongo,
    db,
    engine: new MigrationEngine({ state: new MigrationStateStore(db), pollMs: 20 }),
    sides: { from: new PostgresCatalogSide(db), to: new MongoCatalogSide(mongo) },
    async close() {
      await platform.dispose();
      await mongo.db.dropDatabase().catch(() => undefined);
      await mongo.close();
    },
  };
}
