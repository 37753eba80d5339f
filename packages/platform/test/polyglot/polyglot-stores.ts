import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoConnection, MongoConnection, OpenSearchConnection } from '@polyshop/stores';
import {
  dynamoTarget,
  mongoTarget,
  openSearchTarget,
  postgresTargets,
  testServerUrl,
  type PostgresTarget,
} from '@polyshop/testing';
import { createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';

const SERVERS = {
  mongodb: { variable: 'POLYSHOP_TEST_MONGODB_URL', target: mongoTarget() },
  dynamodb: { variable: 'POLYSHOP_TEST_DYNAMODB_ENDPOINT', target: dynamoTarget() },
  opensearch: { variable: 'POLYSHOP_TEST_OPENSEARCH_URL', target: openSearchTarget() },
};

/** A PostgreSQL engine (users, orders, payments) paired with the polyglot profile's other servers. */
export interface PolyglotTarget {
  name: string;
  postgres: PostgresTarget['name'];
  /** Why the suite cannot run here (a missing server); never set under CI=true, where it throws instead. */
  skip: string | false;
}

/**
 * PGlite and the real PostgreSQL, each with MongoDB, DynamoDB and OpenSearch; skipped loudly when a server is
 * missing.
 */
export function polyglotTargets(): PolyglotTarget[] {
  const missing =
    Object.values(SERVERS)
      .map((s) => s.target.skip)
      .find(Boolean) ?? false;
  return postgresTargets().map((target) => ({
    name: target.name,
    postgres: target.name,
    skip: target.skip || missing,
  }));
}

/** The stock item of a SKU as the inventory service keeps it in DynamoDB. */
export interface StockItem {
  quantity: number;
  reserved: number;
  available: number;
}

/** A polyglot platform on fresh namespaces of the real servers, and direct access to what it stored. */
export interface PolyglotPlatform {
  platform: TestPlatform;
  /** The catalogue's and notifications' MongoDB database. */
  mongo: MongoConnection['db'];
  opensearch: OpenSearchConnection['client'];
  /** `<prefix>-products`: the search service's product index. */
  productIndex: string;
  /** This suite's own connections to the three servers, on the platform's namespaces. */
  connections: { mongodb: MongoConnection; dynamodb: DynamoConnection; opensearch: OpenSearchConnection };
  /** The environment the platform was built with (its stores' URLs, table and index prefix). */
  env: Record<string, string>;
  /** A SKU's stock item, read strongly consistent from the inventory table (undefined when absent). */
  stockItem(sku: string): Promise<StockItem | undefined>;
  /** A reservation's status in the inventory table (undefined when absent). */
  reservationStatus(id: string): Promise<string | undefined>;
  /** Closes the platform, then drops the database, table and indexes it used. */
  dispose(): Promise<void>;
}

/**
 * `createTestPlatform` with `POLYSHOP_PROFILE=polyglot` and every service: products and
 * notifications in a fresh MongoDB database, inventory in a fresh DynamoDB table, search under a
 * fresh OpenSearch index prefix; users, orders and payments on `target.postgres`. With
 * `POLYSHOP_PROFILE: 'phase1'` in `env`, every service runs on PostgreSQL and those namespaces are
 * where a store migration moves them.
 */
export async function startPolyglotPlatform(
  target: PolyglotTarget,
  env: Record<string, string> = {},
): Promise<PolyglotPlatform> {
  const mongo = await SERVERS.mongodb.target.open();
  const dynamo = await SERVERS.dynamodb.target.open();
  const search = await SERVERS.opensearch.target.open();
  const mongoUrl = new URL(testServerUrl(SERVERS.mongodb.variable)!);
  mongoUrl.pathname = `/${mongo.namespace}`;
  const table = `${dynamo.namespace}-inventory`;
  const cleanUp = async () => {
    await dynamo.connection.client.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    await Promise.all([
      SERVERS.mongodb.target.close(mongo),
      SERVERS.dynamodb.target.close(dynamo),
      SERVERS.opensearch.target.close(search),
    ]);
  };
  const platformEnv = {
    POLYSHOP_PROFILE: 'polyglot',
    MONGODB_URL: mongoUrl.toString(),
    DYNAMODB_ENDPOINT: testServerUrl(SERVERS.dynamodb.variable)!,
    INVENTORY_DYNAMODB_TABLE: table,
    OPENSEARCH_URL: testServerUrl(SERVERS.opensearch.variable)!,
    SEARCH_OPENSEARCH_INDEX_PREFIX: search.namespace,
    ...env,
  };
  let platform: TestPlatform;
  try {
    platform = await createTestPlatform({ target: target.postgres, env: platformEnv });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const getItem = async (PK: string, SK: string) =>
    (
      await dynamo.connection.documents.send(
        new GetCommand({ TableName: table, Key: { PK, SK }, ConsistentRead: true }),
      )
    ).Item;
  return {
    platform,
    mongo: mongo.connection.db,
    opensearch: search.connection.client,
    productIndex: `${search.namespace}-products`,
    connections: { mongodb: mongo.connection, dynamodb: dynamo.connection, opensearch: search.connection },
    env: platformEnv,
    async stockItem(sku) {
      const item = await getItem(`PRODUCT#${sku}`, 'INVENTORY');
      return item && { quantity: item.quantity, reserved: item.reserved, available: item.available };
    },
    async reservationStatus(id) {
      return (await getItem(`RESERVATION#${id}`, 'RESERVATION'))?.status;
    },
    async dispose() {
      await platform.dispose();
      await cleanUp();
    },
  };
}
