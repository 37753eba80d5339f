import { timingSafeEqual } from 'node:crypto';
import Type from 'typebox';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { AppError, loadConfig, type Logger } from '@polyshop/kernel';
import type { HttpApp, ServiceMetrics } from '@polyshop/http';
import type { DynamoConnection, MongoConnection, OpenSearchConnection, SqlDatabase } from '@polyshop/stores';
import type { StoreConnectionObserver } from '../store-connections.ts';
import type { EventBus } from '@polyshop/bus';
import { MigrationStateStore, type MigrationState } from '@polyshop/migration';
import { MeteredEventBus } from './metered-event-bus.ts';
import { MeteredDatabase, SQL_OPERATIONS, type OperationObserver } from './metered-database.ts';
import { BucketHistogram, type HistogramChild } from './bucket-histogram.ts';
import { ServiceGauges } from './service-gauges.ts';

/** `METRICS` and `METRICS_TOKEN` (README, Configuration). */
export const MetricsConfigSchema = Type.Object({
  /** `on`: `GET /metrics` and the measurements behind it; `off`: neither (no hook, no wrapper). */
  METRICS: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  /** When set, `GET /metrics` needs `Authorization: Bearer <token>`; unset → open, like `/healthz`. */
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
});

/** The names of the families the platform exports (README, Metrics; dashboards query these). */
export const METRIC_NAMES = {
  httpDuration: 'polyshop_http_request_duration_seconds',
  storeDuration: 'polyshop_store_operation_duration_seconds',
  outboxLag: 'polyshop_outbox_lag_seconds',
  deadLetters: 'polyshop_dead_letters_pending',
  eventsPublished: 'polyshop_events_published_total',
  eventHandling: 'polyshop_event_handling_duration_seconds',
  migrationPhase: 'polyshop_migration_phase',
  migrationBackfill: 'polyshop_migration_backfill_rows',
  migrationDifferences: 'polyshop_migration_verify_differences',
} as const;

/** prom-client's default buckets, for a service's histogram that names none (5 ms to 10 s). */
const PROM_CLIENT_DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The label of what is not a service's: `/admin`, `/docs`, health, `/metrics`, the platform's own tables. */
export const PLATFORM_LABEL = 'platform';
/** The `route` label of a request no route matched (a 404): never its raw URL. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface PlatformMetricsOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** The services this platform mounts, by URL prefix (the `service` label of their routes). */
  services: readonly { name: string; prefix: string }[];
  /** The shared PostgreSQL once it is opened (outbox lag and dead letters are read from it at scrape time). */
  postgres: () => Promise<SqlDatabase> | undefined;
}

type HttpChild = HistogramChild;

/**
 * One platform's metrics: its own prom-client registry (never the global one — tests build several
 * platforms in one process), Node's default process metrics, and the families in `METRIC_NAMES`:
 *
 * - HTTP request durations by service, method, route template (`request.routeOptions.url`) and status;
 * - SQL store operations by service, store (`pglite` | `postgres`) and operation (statement kind,
 *   `transaction`, `exec`), measured by the `MeteredDatabase` each service gets;
 * - outbox lag: age of the oldest unpublished row of each `<schema>.outbox` of the shared PostgreSQL,
 *   and pending dead letters per consumer — both read when scraped, from the store;
 * - events each service published, by type, and its consumers' deliveries timed by consumer, type and
 *   outcome (`MeteredEventBus`);
 * - each service's online store migration: phase, backfill progress, last verify's differences (read
 *   from the migration engine's control store when scraped).
 *
 * Labels are bounded: route templates, service names, statement kinds; never a URL, id or statement.
 */
export class PlatformMetrics {
  readonly registry = new Registry();
  readonly enabled: boolean;
  readonly #token: Buffer | undefined;
  readonly #options: PlatformMetricsOptions;
  readonly #prefixes: readonly { name: string; prefix: string }[];
  readonly #http: BucketHistogram<'service' | 'method' | 'route' | 'status_code'>;
  readonly #store: BucketHistogram<'service' | 'store' | 'operation'>;
  readonly #published: Counter<'service' | 'type'>;
  readonly #handling: BucketHistogram<'service' | 'consumer' | 'type' | 'outcome'>;
  /** route template → method → status → child: no label object is built per request once seen. */
  readonly #httpChildren = new Map<string, Map<string, Map<number, HttpChild>>>();
  readonly #metered = new WeakMap<SqlDatabase, Map<string, MeteredDatabase>>();
  readonly #gauges: ServiceGauges;
  /** Outboxes outside the shared PostgreSQL (`ServiceMetrics.outboxLag`), read when scraped. */
  readonly #outboxes: { store: string; name: string; oldest: () => Promise<Date | undefined> }[] = [];

  constructor(options: PlatformMetricsOptions) {
    const config = loadConfig(MetricsConfigSchema, options.env);
    this.enabled = config.METRICS === 'on';
    this.#token = config.METRICS_TOKEN === undefined ? undefined : Buffer.from(config.METRICS_TOKEN);
    this.#options = options;
    this.#prefixes = options.services;
    const registers = [this.registry];
    this.#gauges = new ServiceGauges(this.registry, options.logger);
    this.#http = new BucketHistogram({
      name: METRIC_NAMES.httpDuration,
      help: 'HTTP requests by service, method, route template and status code: time to the last byte sent.',
      labelNames: ['service', 'method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#store = new BucketHistogram({
      name: METRIC_NAMES.storeDuration,
      help: 'Store operations by service, store kind and operation (SQL: statement kind, transaction, exec).',
      labelNames: ['service', 'store', 'operation'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.#published = new Counter({
      name: METRIC_NAMES.eventsPublished,
      help: 'Events a service handed to the bus (its outbox relay publishing), by service and event type.',
      labelNames: ['service', 'type'],
      registers,
    });
    this.#handling = new BucketHistogram({
      name: METRIC_NAMES.eventHandling,
      help: "Deliveries of an event to a service's consumer, by service, consumer, event type and outcome (ok | error: retried, then dead-lettered).",
      labelNames: ['service', 'consumer', 'type', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const scrape = this.#scrapeStore.bind(this);
    let scraped: Promise<StoreReadings> | undefined;
    // Both gauges come from one read per scrape (the first collector starts it, the second reuses it).
    const readings = () => (scraped ??= scrape().finally(() => setImmediate(() => (scraped = undefined))));
    new Gauge({
      name: METRIC_NAMES.outboxLag,
      help: "Age in seconds of the oldest event not yet published from each outbox (0 when none waits), by store and schema (PostgreSQL) or the service's collection or table (MongoDB, DynamoDB).",
      labelNames: ['store', 'schema'],
      registers,
      async collect() {
        const { outbox } = await readings();
        this.reset();
        for (const [store, schema, lag] of outbox) this.labels(store, schema).set(lag);
      },
    });
    new Gauge({
      name: METRIC_NAMES.deadLetters,
      help: 'Dead letters not replayed yet, by consumer (platform.dead_letters).',
      labelNames: ['consumer'],
      registers,
      async collect() {
        const { deadLetters } = await readings();
        this.reset();
        for (const [consumer, count] of deadLetters) this.labels(consumer).set(count);
      },
    });
    new Gauge({
      name: METRIC_NAMES.migrationPhase,
      help: "1 for each service's online store migration in its current phase (platform.migrations), by service, from and to store and phase.",
      labelNames: ['service', 'from_store', 'to_store', 'phase'],
      registers,
      async collect() {
        const { migrations } = await readings();
        this.reset();
        for (const m of migrations) this.labels(m.service, m.fromStore, m.toStore, m.phase).set(1);
      },
    });
    new Gauge({
      name: METRIC_NAMES.migrationBackfill,
      help: "Rows the current migration's backfill copied or skipped (newer in the target) so far, by service; its rate is the backfill rate.",
      labelNames: ['service', 'outcome'],
      registers,
      async collect() {
        const { migrations } = await readings();
        this.reset();
        for (const m of migrations) {
          this.labels(m.service, 'copied').set(m.backfill.copied);
          this.labels(m.service, 'skipped').set(m.backfill.skipped);
        }
      },
    });
    new Gauge({
      name: METRIC_NAMES.migrationDifferences,
      help: "Differences the migration's last verify pass found between the two stores, by service.",
      labelNames: ['service'],
      registers,
      async collect() {
        const { migrations } = await readings();
        this.reset();
        for (const m of migrations) if (m.lastVerify) this.labels(m.service).set(m.lastVerify.differences);
      },
    });
    if (this.enabled) collectDefaultMetrics({ register: this.registry });
  }

  /** Times every request of `app` and mounts `GET /metrics`: call it before registering the services' routes. */
  install(app: HttpApp): void {
    this.instrumentHttp(app);
    this.mountRoute(app);
  }

  /** Times every request of `app` (a hook on the root, so install it before registering routes). */
  instrumentHttp(app: HttpApp): void {
    if (!this.enabled) return;
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url;
      const seconds = reply.elapsedTime / 1000;
      if (route === undefined) {
        this.#http
          .labels(this.#serviceOf(request.url), request.method, UNMATCHED_ROUTE, String(reply.statusCode))
          .observe(seconds);
      } else {
        this.#httpChild(route, request.method, reply.statusCode).observe(seconds);
      }
      done();
    });
  }

  /** Mounts `GET /metrics` (Prometheus text format), hidden from the OpenAPI document like `/healthz`. */
  mountRoute(app: HttpApp): void {
    if (!this.enabled) return;
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (this.#token && !bearerMatches(request.headers.authorization, this.#token)) {
        void reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw AppError.unauthorized(
          'METRICS.UNAUTHORIZED',
          'GET /metrics needs the bearer token METRICS_TOKEN.',
          {
            field: 'authorization',
          },
        );
      }
      const text = await this.registry.metrics();
      return reply.type(this.registry.contentType).send(text);
    });
  }

  /** `db` as `service` sees it: its statements timed with its name (one wrapper per service and database). */
  meterPostgres(service: string, shared: SqlDatabase): SqlDatabase {
    if (!this.enabled) return shared;
    const db = shared instanceof MeteredDatabase ? shared.inner : shared; // never timed twice
    let byService = this.#metered.get(db);
    if (!byService) this.#metered.set(db, (byService = new Map<string, MeteredDatabase>()));
    let metered = byService.get(service);
    if (!metered) {
      const observer = {} as OperationObserver;
      for (const operation of SQL_OPERATIONS) {
        const child = this.#store.labels(service, db.engine, operation);
        observer[operation] = (seconds) => child.observe(seconds);
      }
      byService.set(service, (metered = new MeteredDatabase(db, observer)));
    }
    return metered;
  }

  /**
   * Times the operations of the MongoDB, DynamoDB and OpenSearch connections as they open: MongoDB by
   * command (driver command monitoring), DynamoDB by command (a middleware at the start of the client's
   * stack, retries inside), OpenSearch by API (`search`, `bulk`, `doc` … from the path, else the method).
   * These clients are shared by the services on that store: `servicesOn(kind)` names them.
   */
  storeObserver(
    servicesOn: (kind: 'mongodb' | 'dynamodb' | 'opensearch') => string,
  ): StoreConnectionObserver {
    const enabled = this.enabled;
    const timer = (service: string, store: string) => {
      const children = new Map<string, HistogramChild>();
      return (operation: string, seconds: number) => {
        let child = children.get(operation);
        if (!child) children.set(operation, (child = this.#store.labels(service, store, operation)));
        child.observe(seconds);
      };
    };
    return {
      monitorMongoCommands: enabled,
      mongodb: (connection: MongoConnection) => {
        if (!enabled) return;
        const observe = timer(servicesOn('mongodb'), 'mongodb');
        const done = (event: { commandName: string; duration: number }) =>
          observe(MONGO_COMMAND.test(event.commandName) ? event.commandName : 'other', event.duration / 1000);
        connection.client.on('commandSucceeded', done);
        connection.client.on('commandFailed', done);
      },
      dynamodb: (connection: DynamoConnection) => {
        if (!enabled) return;
        const observe = timer(servicesOn('dynamodb'), 'dynamodb');
        connection.client.middlewareStack.add(
          (next, handlerContext) => async (args) => {
            const operation = String(handlerContext.commandName ?? 'Command').replace(/Command$/, '');
            const start = performance.now();
            try {
              return await next(args);
            } finally {
              observe(operation, (performance.now() - start) / 1000);
            }
          },
          { step: 'initialize', name: 'polyshopMetrics' },
        );
      },
      opensearch: (connection: OpenSearchConnection) => {
        if (!enabled) return;
        const observe = timer(servicesOn('opensearch'), 'opensearch');
        const started = new Map<unknown, number>();
        connection.client.on('request', (_error, event) => {
          started.set(event?.meta?.request?.id, performance.now());
        });
        connection.client.on('response', (_error, event) => {
          const id: unknown = event?.meta?.request?.id;
          const start = started.get(id);
          if (start === undefined) return;
          started.delete(id);
          const params = event?.meta?.request?.params;
          observe(openSearchOperation(params?.method, params?.path), (performance.now() - start) / 1000);
        });
      },
    };
  }

  /** The metrics `service` adds its own families to (`ServiceContext.metrics`); undefined when off. */
  forService(service: string): ServiceMetrics | undefined {
    if (!this.enabled) return undefined;
    return {
      histogram: <L extends string>(
        name: string,
        help: string,
        labelNames: readonly L[],
        buckets?: readonly number[],
      ) => {
        const existing = this.registry.getSingleMetric(name);
        const histogram =
          existing instanceof BucketHistogram
            ? (existing as BucketHistogram<string>)
            : new BucketHistogram({
                name,
                help,
                labelNames: ['service', ...labelNames],
                buckets: buckets ?? PROM_CLIENT_DEFAULT_BUCKETS,
                registers: [this.registry],
              });
        const children = new Map<string, HistogramChild>();
        return (labels: Record<L, string>, value: number) => {
          const values = labelNames.map((label) => labels[label]);
          const key = values.join('\n');
          let child = children.get(key);
          if (!child) children.set(key, (child = histogram.labels(service, ...values)));
          child.observe(value);
        };
      },
      counter: <L extends string>(name: string, help: string, labelNames: readonly L[]) => {
        const existing = this.registry.getSingleMetric(name);
        const counter =
          existing instanceof Counter
            ? existing
            : new Counter({ name, help, labelNames: ['service', ...labelNames], registers: [this.registry] });
        const children = new Map<string, Counter.Internal>();
        return (labels: Record<L, string>, by = 1) => {
          const values = labelNames.map((label) => labels[label]);
          const key = values.join('\n');
          let child = children.get(key);
          if (!child) children.set(key, (child = counter.labels(service, ...values)));
          child.inc(by);
        };
      },
      gauge: (name, help, labelNames, read) => this.#gauges.add(service, name, help, labelNames, read),
      outboxLag: (store, name, oldest) => {
        this.#outboxes.push({ store, name, oldest });
      },
    };
  }

  /** `bus` as `service` sees it: its publications counted and its consumers' deliveries timed. */
  meterBus(service: string, bus: EventBus): EventBus {
    if (!this.enabled) return bus;
    const published = new Map<string, Counter.Internal>();
    const handled = new Map<string, HistogramChild>();
    return new MeteredEventBus(bus, {
      published: (type) => {
        let child = published.get(type);
        if (!child) published.set(type, (child = this.#published.labels(service, type)));
        child.inc();
      },
      handled: (consumer, type, failed, seconds) => {
        const outcome = failed ? 'error' : 'ok';
        const key = `${consumer}\n${type}\n${outcome}`;
        let child = handled.get(key);
        if (!child)
          handled.set(
            key,
            (child = this.#handling.labels(service, boundedConsumer(consumer), type, outcome)),
          );
        child.observe(seconds);
      },
    });
  }

  #httpChild(route: string, method: string, status: number): HttpChild {
    let byMethod = this.#httpChildren.get(route);
    if (!byMethod) this.#httpChildren.set(route, (byMethod = new Map<string, Map<number, HttpChild>>()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map<number, HttpChild>()));
    let child = byStatus.get(status);
    if (!child) {
      child = this.#http.labels(this.#serviceOf(route), method, route, String(status));
      byStatus.set(status, child);
    }
    return child;
  }

  /** The service whose prefix `path` is under; the platform's otherwise. */
  #serviceOf(path: string): string {
    for (const { name, prefix } of this.#prefixes) {
      if (path.startsWith(prefix) && (path.length === prefix.length || '/?'.includes(path[prefix.length]!)))
        return name;
    }
    return PLATFORM_LABEL;
  }

  /** Outbox lags, pending dead letters and migrations: the shared PostgreSQL's, and the other outboxes'. */
  async #scrapeStore(): Promise<StoreReadings> {
    const [readings, outboxes] = await Promise.all([this.#scrapePostgres(), this.#scrapeOutboxes()]);
    readings.outbox.push(...outboxes);
    return readings;
  }

  /** The registered MongoDB and DynamoDB outboxes' lags; one that cannot be read is logged and left out. */
  async #scrapeOutboxes(): Promise<StoreReadings['outbox']> {
    const lags = await Promise.all(
      this.#outboxes.map(async ({ store, name, oldest }): Promise<StoreReadings['outbox']> => {
        try {
          const since = await oldest();
          return [[store, name, since ? Math.max(0, (Date.now() - since.getTime()) / 1000) : 0]];
        } catch (error) {
          this.#options.logger.warn(
            { err: error, store, outbox: name },
            'metrics: reading outbox lag failed',
          );
          return [];
        }
      }),
    );
    return lags.flat();
  }

  /** Outbox lags and pending dead letters, read from the shared PostgreSQL (nothing before it is opened). */
  async #scrapePostgres(): Promise<StoreReadings> {
    const readings: StoreReadings = { outbox: [], deadLetters: [], migrations: [] };
    const opening = this.#options.postgres();
    if (!opening) return readings;
    try {
      const opened = await opening;
      const db = opened instanceof MeteredDatabase ? opened.inner : opened; // scrapes are not store traffic
      const tables = await db.query<{ schema: string; dead_letters: boolean }>(
        `SELECT n.nspname AS schema, to_regclass('platform.dead_letters') IS NOT NULL AS dead_letters
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relname = 'outbox' AND c.relkind IN ('r', 'p') ORDER BY 1`,
      );
      if (tables.length > 0) {
        // One statement for every outbox: its oldest unpublished row through the partial index on seq.
        const lags = await db.query<{ schema: string; lag: number }>(
          tables
            .map(
              ({ schema }, i) =>
                `SELECT $${i + 1}::text AS schema, coalesce((SELECT extract(epoch FROM now() - created_at)::float8
                   FROM ${quoteIdent(schema)}.outbox WHERE published_at IS NULL ORDER BY seq LIMIT 1), 0) AS lag`,
            )
            .join(' UNION ALL '),
          tables.map(({ schema }) => schema),
        );
        readings.outbox = lags.map(({ schema, lag }) => [db.engine, schema, Math.max(0, lag)]);
      }
      // the control store of online migrations (created at start-up, before any service)
      readings.migrations = await new MigrationStateStore(db).list();
      const hasDeadLetters = tables[0]?.dead_letters ?? (await this.#hasDeadLetters(db));
      if (hasDeadLetters) {
        const rows = await db.query<{ consumer: string; pending: number }>(
          `SELECT consumer, count(*)::int AS pending FROM platform.dead_letters
            WHERE replayed_at IS NULL GROUP BY consumer ORDER BY consumer`,
        );
        const byConsumer = new Map<string, number>();
        for (const { consumer, pending } of rows) {
          const label = boundedConsumer(consumer);
          byConsumer.set(label, (byConsumer.get(label) ?? 0) + pending);
        }
        readings.deadLetters = [...byConsumer];
      }
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'metrics: reading outbox lag and dead letters failed');
    }
    return readings;
  }

  async #hasDeadLetters(db: SqlDatabase): Promise<boolean> {
    const [row] = await db.query<{ present: boolean }>(
      `SELECT to_regclass('platform.dead_letters') IS NOT NULL AS present`,
    );
    return row?.present ?? false;
  }
}

interface StoreReadings {
  outbox: [store: string, schema: string, lagSeconds: number][];
  deadLetters: [consumer: string, pending: number][];
  migrations: MigrationState[];
}

/**
 * The `service` label of a store's shared connection: the services of this process configured on
 * `kind`, joined with `+` (`notifications+products` on one MongoDB), else `platform` (a migration's side).
 */
export function servicesOnStore<D extends { name: string }>(
  definitions: readonly D[],
  local: ReadonlySet<string>,
  kind: string,
  storeFor: (definition: D) => string,
): string {
  const names = definitions
    .filter((definition) => {
      if (!local.has(definition.name)) return false;
      try {
        return storeFor(definition) === kind;
      } catch {
        return false; // a bad store variable stops start-up elsewhere
      }
    })
    .map((definition) => definition.name)
    .sort();
  return names.length > 0 ? names.join('+') : PLATFORM_LABEL;
}

/** A driver command name (`find`, `insert`, `aggregate`, `getMore`, `commitTransaction` …). */
const MONGO_COMMAND = /^[a-zA-Z]{1,40}$/;

/** An OpenSearch API from its path: `/products-idx/_search` → `search`, `/idx/_doc/1` → `doc`; else the method. */
export function openSearchOperation(method: unknown, path: unknown): string {
  const api = typeof path === 'string' ? /\/_([a-z_]{1,30})(?:\/|\?|$)/.exec(path) : null;
  if (api) return api[1]!;
  return typeof method === 'string' && /^[A-Z]{1,10}$/.test(method) ? method.toLowerCase() : 'other';
}

const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * A consumer's name as a label: an instance's own consumer (`products.listing-cache.<id>`, one per
 * process) is named without its id, so a restart makes no new series.
 */
export function boundedConsumer(consumer: string): string {
  return consumer.replace(ID, ':id');
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function bearerMatches(header: string | undefined, token: Buffer): boolean {
  if (!header?.toLowerCase().startsWith('bearer ')) return false;
  const given = Buffer.from(header.slice(7).trim());
  return given.length === token.length && timingSafeEqual(given, token);
}
