import Type, { type Static } from 'typebox';
import { LOG_FORMATS, loadConfig } from '@polyshop/kernel';
import { DEFAULT_PGLITE_SHARED_BUFFERS } from '@polyshop/stores';

const Port = (defaultPort: number) => Type.Integer({ minimum: 1, maximum: 65535, default: defaultPort });

/** The platform host's configuration (environment variables; CLI flags override some of them). */
export const PlatformConfigSchema = Type.Object({
  PORT: Port(3000),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  /** `auto`: human lines when stdout is a terminal, JSON otherwise; `pretty` or `json` forces one. */
  LOG_FORMAT: Type.Union(
    LOG_FORMATS.map((format) => Type.Literal(format)),
    { default: 'auto' },
  ),
  /** Where PGlite data and generated keys live. */
  POLYSHOP_DATA_DIR: Type.String({ default: '.polyshop', minLength: 1 }),
  /** `phase1`: every service on PostgreSQL. `polyglot`: each on its target store. */
  POLYSHOP_PROFILE: Type.Union([Type.Literal('phase1'), Type.Literal('polyglot')], { default: 'phase1' }),
  /** A real PostgreSQL server; without it, embedded PGlite. */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** MongoDB for the services that run on it (polyglot profile or `<SERVICE>_STORE=mongodb`). */
  MONGODB_URL: Type.Optional(Type.String({ pattern: '^mongodb(\\+srv)?://' })),
  /** A DynamoDB endpoint (local server); unset → AWS with the default credential chain. */
  DYNAMODB_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  DYNAMODB_REGION: Type.String({ default: 'us-east-1', minLength: 1 }),
  OPENSEARCH_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /**
   * NATS with JetStream (`nats://host:4222`, comma-separated for a cluster): events go over it; unset →
   * in-process bus.
   */
  NATS_URL: Type.Optional(Type.String({ pattern: '^(nats|tls)://' })),
  /** Events go to `<prefix>.<type>` in the JetStream stream named after it (`polyshop.events` → `POLYSHOP_EVENTS`). */
  NATS_SUBJECT_PREFIX: Type.String({
    default: 'polyshop.events',
    pattern: '^[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*)*$',
  }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 500, default: 10 }),
  /**
   * PGlite's buffer pool (`shared_buffers`), e.g. `64MB`: more keeps a large catalogue's pages in the
   * pool (a search at 100k products ~1.7x faster with 64MB) and costs as much resident memory.
   */
  PGLITE_SHARED_BUFFERS: Type.String({
    default: DEFAULT_PGLITE_SHARED_BUFFERS,
    pattern: '^[1-9][0-9]{0,5}(kB|MB|GB)$',
  }),
  /**
   * `on`: each pooled connection prepares the adapters' statements once (named statements); `off` for a
   * pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
   */
  DATABASE_PREPARED_STATEMENTS: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  /**
   * The reverse proxies (comma-separated addresses, CIDR ranges, `loopback` …) whose
   * `X-Forwarded-For` gives the client address; unset → the connection's own address.
   */
  TRUST_PROXY: Type.Optional(Type.String()),
  /** Largest request body accepted, in bytes. */
  HTTP_BODY_LIMIT: Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024, default: 1024 * 1024 }),
  /** The benchmark run `GET /admin/benchmarks` serves (`npm run bench -- --report` saves it there). */
  POLYSHOP_BENCHMARKS_FILE: Type.String({ default: 'docs/benchmarks/results.json', minLength: 1 }),
  /** How long shutdown waits for in-flight requests and workers before forcing exit. */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
});

export type PlatformConfig = Static<typeof PlatformConfigSchema>;

export function loadPlatformConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  return loadConfig(PlatformConfigSchema, env);
}
