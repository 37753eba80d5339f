import type { FastifyPluginAsync } from 'fastify';
import type { Clock, Logger } from '@polyshop/kernel';
import type { EventBus } from '@polyshop/bus';
import type {
  DynamoConnection,
  MongoConnection,
  OpenSearchConnection,
  SqlDatabase,
  StoreChoice,
  StoreKind,
} from '@polyshop/stores';
import type { Authorizer } from './authorizer.ts';

/**
 * Every service, by name: the client other services use and the module the platform runs. Empty here;
 * each service adds its own entry from its package (declaration merging), next to its client type:
 *
 * ```ts
 * declare module '@polyshop/http' {
 *   interface ServiceRegistry {
 *     inventory: { client: InventoryClient; module: InventoryModule };
 *   }
 * }
 * ```
 * so `context.client(name)` returns that service's own client type with no cast, and a change in the owner's
 * client breaks its consumers' build. The runtime list of services is the platform's catalog.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface ServiceRegistry {}

/** The name of a service: a key of the registry. */
export type ServiceName = Extract<keyof ServiceRegistry, string>;

/** The client of service `N` as other services see it (in-process or over HTTP). */
export type ServiceClient<N extends ServiceName> = ServiceRegistry[N] extends { client: infer C } ? C : never;

/** What `definition.create` of service `N` returns: its module, with whatever the service adds. */
export type ServiceModuleOf<N extends ServiceName> = ServiceRegistry[N] extends {
  module: infer M extends ServiceModule;
}
  ? M
  : never;

/** What the platform hands to each service factory. Services get stores and clients only from here. */
export interface ServiceContext<S extends StoreKind = StoreKind> {
  logger: Logger;
  clock: Clock;
  /** The environment the service reads its own configuration from (`loadConfig(schema, env)`). */
  env: NodeJS.ProcessEnv;
  /** Folder for local files (keys, PGlite data); `undefined` in in-memory test runs. */
  dataDir: string | undefined;
  /**
   * The store this service runs on, from `POLYSHOP_PROFILE` and its `stores.variable`: always one of the
   * stores its definition supports (the platform checked).
   */
  store: S;
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
  client<N extends ServiceName>(name: N): ServiceClient<N>;
  /** Route guards backed by the user service. */
  authorizer: Authorizer;
  /** This process's metrics (`GET /metrics`), for the service's own families; absent when metrics are off. */
  metrics?: ServiceMetrics;
}

/** How a service adds its own families to the process's metrics (prom-client behind it). */
export interface ServiceMetrics {
  /**
   * A histogram `name` (the service's label is added); returns how to observe one value. Label values
   * must be bounded (states, step names, outcomes), never an id.
   */
  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets?: readonly number[],
  ): (labels: Record<L, string>, value: number) => void;
  /** A counter `name` (the service's label is added); returns how to add one (or `by`). */
  counter<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
  ): (labels: Record<L, string>, by?: number) => void;
  /**
   * A gauge `name` (the service's label is added) whose values `read` gives when `/metrics` is
   * scraped (a cheap, index-backed read of the service's store). A failed read is logged and leaves
   * the family empty for that scrape; it never fails the scrape.
   */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Promise<Iterable<readonly [labels: Record<L, string>, value: number]>>,
  ): void;
  /**
   * An outbox the platform cannot find in the shared PostgreSQL (a MongoDB collection, a DynamoDB
   * table): `oldest` gives, when scraped, the time its oldest unpublished event was written (undefined
   * when none waits), reported as `polyshop_outbox_lag_seconds{store, schema: name}`.
   */
  outboxLag(store: 'mongodb' | 'dynamodb', name: string, oldest: () => Promise<Date | undefined>): void;
}

/** A running service as the platform host sees it (its name and prefix are its definition's). */
export interface ServiceModule<Client = unknown> {
  /** Registers the service's routes (paths relative to the definition's `prefix`). */
  routes: FastifyPluginAsync;
  /** The in-process client other services use. */
  client?: Client;
  /** Starts background workers (relay, reapers, consumers). */
  start?(): Promise<void>;
  /** Stops them; the platform closes shared stores afterwards. */
  stop?(): Promise<void>;
  /**
   * Where the service reads and writes now (`/readyz`): its phase when it can move between stores
   * (issue 13), the store reads go to, the source of truth, and the store writes are copied to.
   */
  stores?(): { phase: string; reads: string; writes: string; mirror?: string | undefined };
  /** Rejects when a store the service needs is unreachable (`/readyz`). */
  ready?(): Promise<void>;
}

/**
 * How the platform knows a service: its name, where it is mounted, its port when alone, the stores it
 * runs on, how to create it and how to reach it from another process. The platform derives everything
 * else (the service list, `polyshop serve` ports, store selection) from the catalog of definitions.
 *
 * `ServiceDefinition<Name, 'postgres' | 'dynamodb'>` ties `create` and `httpClient` to the registry's
 * types for that name; the catalog holds them as `AnyServiceDefinition`.
 */
export interface ServiceDefinition<
  N extends ServiceName,
  S extends StoreKind = StoreKind,
  M extends ServiceModule = ServiceModuleOf<N>,
  C = ServiceClient<N>,
> {
  name: N;
  /** URL prefix its routes are mounted under (`/orders`). */
  prefix: `/${string}`;
  /** Its port when run alone (`polyshop serve <name>`), and where other processes look for it. */
  defaultPort: number;
  /** The stores it can run on and its polyglot store. */
  stores: StoreChoice<S>;
  /** Services whose clients it needs at creation (created first in all-in-one mode). */
  needs?: ServiceName[];
  create(context: ServiceContext<S>): Promise<M>;
  /** Its client over HTTP, for `polyshop serve` (other services in other processes). */
  httpClient?(baseUrl: string, context: Pick<ServiceContext, 'logger'>): C;
}

/** Any service's definition: what the platform's catalog holds (and tests' stand-in services are). */
export type AnyServiceDefinition = ServiceDefinition<ServiceName, StoreKind, ServiceModule, unknown>;
