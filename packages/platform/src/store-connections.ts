import { AppError } from '@polyshop/kernel';
import {
  openDynamo,
  openMongo,
  openOpenSearch,
  selectStore,
  type DynamoConnection,
  type MongoConnection,
  type OpenSearchConnection,
  type StoreKind,
} from '@polyshop/stores';
import type { AnyServiceDefinition } from '@polyshop/http';
import type { PlatformConfig } from './platform-config.ts';

function required(variable: string, value: string | undefined, store: string): string {
  if (!value) {
    throw AppError.invalidInput(
      'CONFIG.MISSING',
      `${variable} is required: a service is configured to run on ${store}.`,
      {
        field: variable,
      },
    );
  }
  return value;
}

/**
 * The non-PostgreSQL stores of this process, opened on first use and shared by the services that
 * run on them. Which store a service runs on comes from `POLYSHOP_PROFILE` and `<SERVICE>_STORE`.
 */
/** Called once with each connection as it opens (metrics time its operations). */
export interface StoreConnectionObserver {
  monitorMongoCommands: boolean;
  mongodb(connection: MongoConnection): void;
  dynamodb(connection: DynamoConnection): void;
  opensearch(connection: OpenSearchConnection): void;
}

export function createStoreConnections(
  config: PlatformConfig,
  env: NodeJS.ProcessEnv,
  observe?: StoreConnectionObserver,
) {
  let mongo: Promise<MongoConnection> | undefined;
  let dynamo: DynamoConnection | undefined;
  let search: OpenSearchConnection | undefined;
  return {
    /** The store `definition` runs on: its `stores.variable` if set, else the profile's choice. */
    storeFor(definition: Pick<AnyServiceDefinition, 'name' | 'stores'>): StoreKind {
      try {
        return selectStore(definition.stores, config.POLYSHOP_PROFILE, env, definition.name);
      } catch (error) {
        throw AppError.invalidInput('CONFIG.UNSUPPORTED_STORE', (error as Error).message, {
          field: definition.stores.variable,
        });
      }
    },
    mongodb: () =>
      (mongo ??= openMongo({
        url: required('MONGODB_URL', config.MONGODB_URL, 'MongoDB'),
        monitorCommands: observe?.monitorMongoCommands ?? false,
      }).then((connection) => (observe?.mongodb(connection), connection))),
    dynamodb: () => {
      if (dynamo) return dynamo;
      dynamo = openDynamo({ endpoint: config.DYNAMODB_ENDPOINT, region: config.DYNAMODB_REGION });
      observe?.dynamodb(dynamo);
      return dynamo;
    },
    opensearch: () => {
      if (search) return search;
      search = openOpenSearch({ url: required('OPENSEARCH_URL', config.OPENSEARCH_URL, 'OpenSearch') });
      observe?.opensearch(search);
      return search;
    },
    /** Readiness probes of the stores opened so far. */
    opened(): [string, () => Promise<void>][] {
      const probes: [string, () => Promise<void>][] = [];
      if (mongo) probes.push(['mongodb', async () => (await mongo!).ping()]);
      if (search) probes.push(['opensearch', () => search!.ping()]);
      return probes;
    },
    async close(): Promise<void> {
      if (mongo) await (await mongo).close();
      dynamo?.close();
      await search?.close();
    },
  };
}
