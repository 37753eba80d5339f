import { randomBytes } from 'node:crypto';
import { openDynamo, openMongo, openOpenSearch, type DynamoConnection, type MongoConnection, type OpenSearchConnection } from '@polyshop/stores';
import { skipReason, testServerUrl } from './test-servers.ts';

/** A real server a polyglot contract suite runs on, with a fresh namespace per test file. */
export interface ServerTarget<C> {
  name: string;
  skip: string | false;
  /** Opens a connection and a unique namespace (database / table prefix / index prefix). */
  open(): Promise<{ connection: C; namespace: string }>;
  /** Drops what `open` created and closes the connection. */
  close(opened: { connection: C; namespace: string }): Promise<void>;
}

const unique = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`;

/** The MongoDB wire-protocol test server (`POLYSHOP_TEST_MONGODB_URL`): a fresh database per file. */
export function mongoTarget(): ServerTarget<MongoConnection> {
  const variable = 'POLYSHOP_TEST_MONGODB_URL';
  const url = testServerUrl(variable);
  return {
    name: 'mongodb',
    skip: skipReason(variable, url),
    async open() {
      const namespace = unique('polyshop_t');
      return { connection: await openMongo({ url: url!, database: namespace }), namespace };
    },
    async close({ connection }) {
      await connection.db.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

/** The DynamoDB test endpoint (`POLYSHOP_TEST_DYNAMODB_ENDPOINT`): a unique table-name prefix per file. */
export function dynamoTarget(): ServerTarget<DynamoConnection> {
  const variable = 'POLYSHOP_TEST_DYNAMODB_ENDPOINT';
  const endpoint = testServerUrl(variable);
  return {
    name: 'dynamodb',
    skip: skipReason(variable, endpoint),
    async open() {
      return { connection: openDynamo({ endpoint: endpoint! }), namespace: unique('t') };
    },
    async close({ connection }) {
      connection.close();
    },
  };
}

/** The OpenSearch test node (`POLYSHOP_TEST_OPENSEARCH_URL`): a unique index prefix per file, deleted after. */
export function openSearchTarget(): ServerTarget<OpenSearchConnection> {
  const variable = 'POLYSHOP_TEST_OPENSEARCH_URL';
  const url = testServerUrl(variable);
  return {
    name: 'opensearch',
    skip: skipReason(variable, url),
    async open() {
      return { connection: openOpenSearch({ url: url! }), namespace: unique('t') };
    },
    async close({ connection, namespace }) {
      await connection.client.indices.delete({ index: `${namespace}*` }).catch(() => undefined);
      await connection.close();
    },
  };
}
