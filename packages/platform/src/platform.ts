import { join, resolve } from 'node:path';
import { AppError, createLogger, systemClock, type Clock, type Logger } from '@polyshop/kernel';
import type { DeadLetters, EventBus } from '@polyshop/bus';
import { traceEventBus } from '@polyshop/bus';
import { OutboxRelay, openPostgres, type SqlDatabase } from '@polyshop/stores';
import { createStoreConnections } from './store-connections.ts';
import {
  createHttpApp,
  installHttpTracing,
  tracedRequestId,
  type AnyServiceDefinition,
  type HttpApp,
  type ServiceClient,
  type ServiceContext,
  type ServiceModule,
  type ServiceModuleOf,
  type ServiceName,
} from '@polyshop/http';
import { MigrationStateStore, PLATFORM_SCHEMA } from '@polyshop/migration';
import { consoleRoutes } from '@polyshop/console';
import { adminRoutes } from './admin-routes.ts';
import { benchmarksRoutes } from './benchmarks/benchmarks-routes.ts';
import { adviceRoutes } from './advice/advice-routes.ts';
import { platformAdviceSources } from './advice/advice-sources.ts';
import { migrationAdminRoutes } from './migration/migration-admin-routes.ts';
import { createMigrationSides } from './migration/migration-sides.ts';
import { PlatformMetrics, servicesOnStore } from './metrics/platform-metrics.ts';
import { loadPlatformConfig, type PlatformConfig } from './platform-config.ts';
import { createPlatformEvents } from './platform-events.ts';
import { overviewRoutes, type Readiness } from './overview/overview-routes.ts';
import { RequestWindow } from './overview/request-window.ts';
import { assertServeRequirements } from './serve-requirements.ts';
import { createAuthorizer, findServiceDefinition, serviceDefinitions } from './service-catalog.ts';
import { serviceUrl } from './service-ports.ts';
import { startTracing, tracedDatabaseWrapper, tracedServiceClient } from './tracing.ts';
import { trustedProxies } from './trust-proxy.ts';

export interface PlatformOptions {
  env?: NodeJS.ProcessEnv;
  /** Overrides of the environment's configuration (CLI flags). */
  overrides?: Partial<PlatformConfig>;
  /** Which services run in this process; default: all of them (all-in-one). */
  services?: ServiceName[];
  /** Keep PGlite in memory instead of under the data folder (tests, demos). */
  inMemory?: boolean;
  logger?: Logger;
  clock?: Clock;
  /** Service definitions to use instead of the catalog (tests). */
  definitions?: readonly AnyServiceDefinition[];
  /** `polyshop serve`: start-up fails without `NATS_URL` or `POLYSHOP_INTERNAL_TOKEN` (`assertServeRequirements`). */
  natsRequired?: boolean;
  /** Decorates the shared PostgreSQL once it is open (benchmarks count and record its statements). */
  wrapPostgres?: (db: SqlDatabase) => SqlDatabase;
}

export interface Platform {
  app: HttpApp;
  config: PlatformConfig;
  logger: Logger;
  modules: Map<ServiceName, ServiceModule>;
  /** The shared PostgreSQL, if any service opened it. */
  postgres(): Promise<SqlDatabase>;
  bus: EventBus;
  /** Events consumers gave up on: listed and replayed (`polyshop events`, `/admin/dead-letters`). */
  deadLetters: DeadLetters;
  /** Another service's client, as services see it. */
  client<N extends ServiceName>(name: N): ServiceClient<N>;
  /** A service running in this process, with what its module adds (`deps`, workers); else `undefined`. */
  module<N extends ServiceName>(name: N): ServiceModuleOf<N> | undefined;
  /** Starts the services' background workers (relays, reapers, consumers). Idempotent. */
  start(): Promise<void>;
  /** `start()`, then listens on the configured port; resolves to the address. */
  listen(): Promise<string>;
  /** Graceful shutdown: stop accepting, drain in-flight requests, stop workers, close stores. */
  close(): Promise<void>;
}

/**
 * The composition root: configuration → stores → services → HTTP. The same code runs all seven
 * services in one process (`polyshop start`) or one per process (`polyshop serve <service>`), where
 * the services not in this process are reached through their HTTP clients.
 */
export async function buildPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const env = options.env ?? process.env;
  const config = { ...loadPlatformConfig(env), ...options.overrides };
  const trustProxy = trustedProxies(config.TRUST_PROXY);
  const logger =
    options.logger ?? createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'polyshop' });
  const clock = options.clock ?? systemClock;
  const definitions = options.definitions ?? serviceDefinitions;
  const local = new Set<ServiceName>(options.services ?? definitions.map((d) => d.name));
  for (const name of local) {
    if (!definitions.some((d) => d.name === name)) {
      throw AppError.invalidInput('PLATFORM.UNKNOWN_SERVICE', `Unknown service "${name}".`, {
        field: 'service',
      });
    }
  }
  const dataDir = options.inMemory ? undefined : resolve(config.POLYSHOP_DATA_DIR);
  // OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set (tracing.ts): a span per request, service
  // call, event and store operation; else nothing is traced
  const tracing = startTracing(
    env,
    local.size === 1 && options.services ? `polyshop-${[...local][0]!}` : 'polyshop',
  );
  if (tracing) options = { ...options, wrapPostgres: tracedDatabaseWrapper(options.wrapPostgres) };

  let postgres: Promise<SqlDatabase> | undefined;
  const metrics = new PlatformMetrics({ env, logger, services: definitions, postgres: () => postgres });
  const sharedPostgres = () =>
    (postgres ??= openPostgres({
      url: config.DATABASE_URL,
      dataDir: dataDir && join(dataDir, 'pgdata'),
      poolSize: config.DATABASE_POOL_SIZE,
      pgliteSharedBuffers: config.PGLITE_SHARED_BUFFERS,
      preparedStatements: config.DATABASE_PREPARED_STATEMENTS === 'on',
    }).then((db) => metrics.meterPostgres('platform', options.wrapPostgres?.(db) ?? db)));

  const stores = createStoreConnections(
    config,
    env,
    metrics.storeObserver((kind) => servicesOnStore(definitions, local, kind, (d) => stores.storeFor(d))),
  );

  if (options.natsRequired) assertServeRequirements(config.NATS_URL, env);
  const events = await createPlatformEvents({
    natsUrl: config.NATS_URL,
    subjectPrefix: config.NATS_SUBJECT_PREFIX,
    postgres: sharedPostgres,
    clock,
    logger,
  });
  const bus = tracing ? traceEventBus(events.bus) : events.bus;
  const { deadLetters } = events;
  const modules = new Map<ServiceName, ServiceModule>();
  const remoteClients = new Map<ServiceName, unknown>();
  // The registry (`ServiceRegistry`) ties each name to its client and module types, and a definition of
  // that name produced them: these two reads are the only places the platform narrows `unknown` to them.
  const module = <N extends ServiceName>(name: N) => modules.get(name) as ServiceModuleOf<N> | undefined;
  const client = <N extends ServiceName>(name: N): ServiceClient<N> => {
    const running = modules.get(name);
    if (running?.client !== undefined)
      return (tracing ? tracedServiceClient(name, running.client) : running.client) as ServiceClient<N>;
    if (!local.has(name)) {
      const definition = findServiceDefinition(name, definitions);
      if (!definition?.httpClient)
        throw new Error(`Service ${name} has no HTTP client; run it in this process.`);
      if (!remoteClients.has(name))
        remoteClients.set(name, definition.httpClient(serviceUrl(definition, env), { logger }));
      return remoteClients.get(name) as ServiceClient<N>;
    }
    throw new Error(`Service ${name} is not created yet; list it in \`needs\`.`);
  };
  const authorizer = createAuthorizer(() => client('users'));

  /** Each opened store's and running service's check, and where each service reads and writes. */
  async function readiness(): Promise<Readiness> {
    const checks: Record<string, string> = {};
    let ready = true;
    if (postgres) {
      checks.postgres = await (await postgres).ping().then(
        () => 'ok',
        (e: Error) => ((ready = false), e.message),
      );
    }
    for (const [name, ping] of stores.opened()) {
      checks[name] = await ping().then(
        () => 'ok',
        (e: Error) => ((ready = false), e.message),
      );
    }
    const routes: Readiness['stores'] = {};
    for (const [name, module] of modules) {
      if (module.stores) routes[name] = module.stores();
      if (!module.ready) continue;
      checks[name] = await module.ready().then(
        () => 'ok',
        (e: Error) => ((ready = false), e.message),
      );
    }
    return { ready, checks, stores: routes };
  }

  const app = await createHttpApp({
    logger,
    bodyLimit: config.HTTP_BODY_LIMIT,
    trustProxy,
    ...(tracing ? { genReqId: tracedRequestId } : {}),
  });
  if (tracing) installHttpTracing(app, [...local]);
  metrics.install(app);
  try {
    // The control store of online store migrations (`platform` schema), before any service reads it.
    await MigrationStateStore.migrate(await sharedPostgres());
    for (const definition of definitions) {
      if (!local.has(definition.name)) continue;
      const context: ServiceContext = {
        logger: logger.child({ service: definition.name }),
        clock,
        env,
        dataDir,
        store: stores.storeFor(definition),
        postgres: () => sharedPostgres().then((db) => metrics.meterPostgres(definition.name, db)),
        mongodb: stores.mongodb,
        dynamodb: stores.dynamodb,
        opensearch: stores.opensearch,
        bus: metrics.meterBus(definition.name, bus),
        client,
        authorizer,
        ...(metrics.enabled ? { metrics: metrics.forService(definition.name)! } : {}),
      };
      const created = await definition.create(context);
      modules.set(definition.name, created);
      await app.register(created.routes, { prefix: definition.prefix });
    }
    await app.register(adminRoutes(deadLetters, authorizer), { prefix: '/admin' });
    // `GET /admin/advice`: the seed's migration triggers measured (advice/advisor.ts)
    const advice = platformAdviceSources({
      config,
      env,
      postgres: sharedPostgres,
      services: definitions,
      clock,
      ...(metrics.enabled ? { live: { registry: metrics.registry, since: clock.now() } } : {}),
    });
    await app.register(adviceRoutes(advice, authorizer), { prefix: '/admin' });
    await app.register(
      migrationAdminRoutes({
        postgres: sharedPostgres,
        sides: createMigrationSides({
          postgres: sharedPostgres,
          mongodb: stores.mongodb,
          opensearch: stores.opensearch,
          dynamodb: stores.dynamodb,
          env,
        }),
        configuredStore: (service) => {
          const definition = findServiceDefinition(service, definitions);
          if (!definition)
            throw AppError.notFound('PLATFORM.UNKNOWN_SERVICE', `Unknown service "${service}".`);
          return stores.storeFor(definition);
        },
        authorizer,
        clock,
      }),
      { prefix: '/admin' },
    );
    // `GET /admin/benchmarks`: the latest `npm run bench -- --report` run (the console's Benchmarks page)
    await app.register(benchmarksRoutes({ file: resolve(config.POLYSHOP_BENCHMARKS_FILE), authorizer }), {
      prefix: '/admin',
    });
    // the operator console (packages/console), bundled when first asked for
    await app.register(consoleRoutes(), { prefix: '/console' });
    // `GET /admin/overview`: the operator console's overview (services, stores, readiness, traffic)
    await app.register(
      overviewRoutes({
        services: definitions
          .filter((d) => local.has(d.name))
          .map((d) => ({ name: d.name, prefix: d.prefix, store: stores.storeFor(d) })),
        readiness,
        traffic: metrics.enabled ? new RequestWindow(metrics.registry, clock.now()) : undefined,
        authorizer,
        clock,
      }),
      { prefix: '/admin' },
    );
  } catch (error) {
    await closeStores();
    throw error;
  }

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const { ready, checks, stores: routes } = await readiness();
    return reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'unavailable', checks, stores: routes });
  });

  let started = false;
  /**
   * Publishes `platform.outbox` (the `migration.phase_changed` events of the control store) to the
   * bus, so every process's migration routers hear a phase change at once rather than at their next
   * poll. Every host runs one; the schema's lease lets one publish at a time.
   */
  let platformRelay: OutboxRelay | undefined;
  async function start() {
    if (started) return;
    started = true;
    await app.ready();
    for (const module of modules.values()) await module.start?.();
    platformRelay = new OutboxRelay({
      db: await sharedPostgres(),
      schema: PLATFORM_SCHEMA,
      publisher: bus,
      logger: logger.child({ component: 'platform-relay' }),
    });
    platformRelay.start();
  }
  async function closeStores() {
    await bus.close().catch((error) => logger.warn({ err: error }, 'closing the bus failed'));
    if (postgres) await (await postgres).close();
    await stores.close();
  }

  return {
    app,
    config,
    logger,
    modules,
    postgres: sharedPostgres,
    bus,
    deadLetters,
    client,
    module,
    start,
    async listen() {
      await start();
      return app.listen({ port: config.PORT, host: config.HOST });
    },
    async close() {
      await app.close();
      if (started) {
        for (const [service, running] of [...modules.entries()].reverse()) {
          await running.stop?.().catch((error) => logger.warn({ err: error, service }, 'stopping failed'));
        }
        await platformRelay?.stop();
      }
      await closeStores();
      await tracing?.shutdown();
    },
  };
}
