import type { FastifyPluginAsync } from 'fastify';
import type { Clock, Logger } from '@polyshop/kernel';
import type { EventBus } from '@polyshop/bus';
import type {
  DynamoConnection,
  MongoConnection,
  OpenSearchConnection,
  SqlDatabase,
  StoreKind,
} from '@polyshop/stores';
import type { Authorizer } from './authorizer.ts';

export const SERVICE_NAMES = [
  'users',
  'products',
  'inventory',
  'payments',
  'orders',
  'notifications',
  'search',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What the platform hands to each service factory. Services get stores and clients only from here. */
export interface ServiceContext {
  logger: Logger;
  clock: Clock;
  /** The environment the service reads its own configuration from (`loadConfig(schema, env)`). */
  env: NodeJS.ProcessEnv;
  /** Folder for local files (keys, PGlite data); `undefined` in in-memory test runs. */
  dataDir: string | undefined;
  /** The store this service runs on, from `POLYSHOP_PROFILE` and `<SERVICE>_STORE`. */
  store: StoreKind;
  /** The process's shared PostgreSQL (PGlite or a pool). The service uses only its own schema. */
  postgres(): Promise<SqlDatabase>;
  /** The shared MongoDB connection (`MONGODB_URL`); the service uses only its own collections. */
  mongodb(): Promise<MongoConnection>;
  /** The shared DynamoDB client (`DYNAMODB_ENDPOINT`, `DYNAMODB_REGION`). */
  dynamodb(): DynamoConnection;
  /** The shared OpenSearch client (`OPENSEARCH_URL`). */
  opensearch(): OpenSearchConnection;
  bus: EventBus;
  /** Another service's client: in-process in all-in-one mode, over HTTP in multi-process mode. */
  client<T>(name: ServiceName): T;
  /** Route guards backed by the user service. */
  authorizer: Authorizer;
}

/** A running service as the platform host sees it. */
export interface ServiceModule<Client = unknown> {
  name: ServiceName;
  /** URL prefix its routes are mounted under (`/orders`). */
  prefix: string;
  /** Registers the service's routes (paths relative to the prefix). */
  routes: FastifyPluginAsync;
  /** The in-process client other services use. */
  client?: Client;
  /** Starts background workers (relay, reapers, consumers). */
  start?(): Promise<void>;
  /** Stops them; the platform closes shared stores afterwards. */
  stop?(): Promise<void>;
  /** Rejects when a store the service needs is unreachable (`/readyz`). */
  ready?(): Promise<void>;
}

/** How the platform knows a service: how to create it and how to reach it from another process. */
export interface ServiceDefinition<Client = unknown> {
  name: ServiceName;
  /** Services whose clients it needs at creation (created first in all-in-one mode). */
  needs?: ServiceName[];
  create(context: ServiceContext): Promise<ServiceModule<Client>>;
  /** Its client over HTTP, for `polyshop serve` (other services in other processes). */
  httpClient?(baseUrl: string, context: Pick<ServiceContext, 'logger'>): Client;
}
