import { MongoClient, type Db } from 'mongodb';
import { storeTracingOn, traceMongoCommands } from '../store-tracing.ts';

export interface MongoConfig {
  url: string;
  /** Database name; defaults to the URL's path or `polyshop`. */
  database?: string;
  /** Emit the driver's command monitoring events (`commandSucceeded` …): metrics listen to them. */
  monitorCommands?: boolean;
}

/** One MongoDB connection per process, shared by the services that run on MongoDB. */
export interface MongoConnection {
  client: MongoClient;
  db: Db;
  /** True when the server supports multi-document transactions (a replica set or mongos). */
  supportsTransactions: boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * No operation waits on a socket longer than this. Without it, an operation sent on a connection
 * that died unnoticed (a server gone behind a proxy, a dropped route) never answers: the outbox relay,
 * a migration's backfill or verify, a readiness probe would hang for good. Long enough for the
 * slowest legitimate operation (a facet aggregation over 100k products on the test server takes seconds).
 */
export const MONGO_SOCKET_TIMEOUT_MS = 60_000;

/** A readiness probe answers within this, or the store counts as unreachable. */
const PING_TIMEOUT_MS = 5000;

export async function openMongo(config: MongoConfig): Promise<MongoConnection> {
  const client = new MongoClient(config.url, {
    serverSelectionTimeoutMS: 5000,
    socketTimeoutMS: MONGO_SOCKET_TIMEOUT_MS,
    ignoreUndefined: true,
    monitorCommands: storeTracingOn() || config.monitorCommands === true,
  });
  if (storeTracingOn()) traceMongoCommands(client);
  await client.connect();
  const db = client.db(config.database ?? (new URL(config.url).pathname.replace(/^\//, '') || 'polyshop'));
  // `hello` (MongoDB 4.4.2+); servers that lack it (mongo-java-server) still answer the older `isMaster`
  const hello = (await db
    .admin()
    .command({ hello: 1 })
    .catch((error: { code?: number }) => {
      if (error.code === 59) return db.admin().command({ isMaster: 1 });
      throw error;
    })) as { setName?: string; msg?: string };
  return {
    client,
    db,
    supportsTransactions: Boolean(hello.setName) || hello.msg === 'isdbgrid',
    async ping() {
      await db.command({ ping: 1 }, { timeoutMS: PING_TIMEOUT_MS });
    },
    close: () => client.close(),
  };
}
