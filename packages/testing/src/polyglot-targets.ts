import { randomBytes } from 'node:crypto';
import { Decimal128, MongoClient, type Db } from 'mongodb';
import {
  openDynamo,
  openMongo,
  openOpenSearch,
  type DynamoConnection,
  type MongoConnection,
  type OpenSearchConnection,
} from '@polyshop/stores';
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
  return mongoWireTarget('mongodb', 'POLYSHOP_TEST_MONGODB_URL');
}

function mongoWireTarget(
  name: string,
  variable: string,
): ServerTarget<MongoConnection> & { url: string | undefined } {
  const url = testServerUrl(variable);
  return {
    name,
    url,
    skip: skipReason(variable, url),
    async open() {
      const namespace = unique('polyshop_t');
      return { connection: await openMongo({ url: url!, database: namespace }), namespace };
    },
    async close({ connection }) {
      // Test cleanup: a database left behind has a unique name and harms no other run.
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
      // Test cleanup: indices left behind have a unique prefix and harm no other run.
      await connection.client.indices.delete({ index: `${namespace}*` }).catch(() => undefined);
      await connection.close();
    },
  };
}

/** MongoDB features that not every MongoDB-compatible server has. */
export interface MongoCapabilities {
  /** The `$facet` aggregation stage. */
  facet: boolean;
  /** `Decimal128` values stored and read back digit for digit. */
  decimal128: boolean;
  /** Multi-document transactions (`withTransaction`) that commit. */
  transactions: boolean;
  /** `arrayFilters` in updates (`$[name]` positional operators). */
  arrayFilters: boolean;
  /** The `$first` accumulator of `$group`. */
  groupFirst: boolean;
  /**
   * A conditional update is atomic: of concurrent `updateOne({ _id, v: n }, { $inc: { v: 1 } })` exactly
   * one matches (compare-and-set, optimistic concurrency, claims). FerretDB 1.x reads, then writes by `_id`.
   */
  atomicUpdates: boolean;
}

/** One of the {@link MongoCapabilities}, as a contract case names what it needs. */
export type MongoFeature = keyof MongoCapabilities;

const featureNames: Record<MongoFeature, string> = {
  facet: '$facet',
  decimal128: 'Decimal128',
  transactions: 'transactions',
  arrayFilters: 'arrayFilters',
  groupFirst: '$group $first',
  atomicUpdates: 'atomic conditional updates (concurrent compare-and-set)',
};

/** A MongoDB-compatible test server whose features are probed, not assumed. */
export interface MongoCompatibleTarget extends ServerTarget<MongoConnection> {
  /** The server's name in skip reasons ("FerretDB"). */
  product: string;
  /** What the server does, found once by trying each feature (on a scratch database, dropped after). */
  capabilities(): Promise<MongoCapabilities>;
}

/**
 * FerretDB 1.24 on its SQLite backend (`POLYSHOP_TEST_FERRETDB_URL`, started by scripts/servers): a fresh
 * database per file. It lacks `$facet`, `Decimal128`, transactions, `arrayFilters`, `$group`'s `$first` and
 * atomic conditional updates; suites consult `capabilities()` and mark the cases that need them with
 * {@link unsupportedReason}, never skipping silently.
 */
export function ferretDbTarget(): MongoCompatibleTarget {
  const target = mongoWireTarget('ferretdb', 'POLYSHOP_TEST_FERRETDB_URL');
  let probed: Promise<MongoCapabilities> | undefined;
  return {
    ...target,
    product: 'FerretDB',
    capabilities: () => (probed ??= probeMongoCapabilities(target.url!)),
  };
}

/**
 * Why a case that needs `needs` cannot run on this server ("not supported on FerretDB: $facet, Decimal128"),
 * or `false`.
 */
export function unsupportedReason(
  product: string,
  capabilities: MongoCapabilities,
  needs: readonly MongoFeature[],
): string | false {
  const missing = needs.filter((feature) => !capabilities[feature]);
  return missing.length > 0
    ? `not supported on ${product}: ${missing.map((feature) => featureNames[feature]).join(', ')}`
    : false;
}

type Probe = (db: Db, client: MongoClient) => Promise<boolean>;

const probes: Record<MongoFeature, Probe> = {
  async facet(db) {
    await db.collection('facet').insertMany([{ n: 1 }, { n: 2 }]);
    const [result] = await db
      .collection('facet')
      .aggregate<{ all: { count: number }[] }>([{ $facet: { all: [{ $count: 'count' }] } }])
      .toArray();
    return result?.all[0]?.count === 2;
  },
  async decimal128(db) {
    const exact = '1234567890123.45';
    await db.collection('decimal').insertOne({ _id: 1, value: Decimal128.fromString(exact) } as never);
    const stored = await db.collection('decimal').findOne({ _id: 1 } as never);
    return stored?.value instanceof Decimal128 && stored.value.toString() === exact;
  },
  async transactions(db, client) {
    await db.createCollection('transaction');
    await client.withSession((session) =>
      session.withTransaction(() => db.collection('transaction').insertOne({ _id: 1 } as never, { session })),
    );
    return (await db.collection('transaction').countDocuments()) === 1;
  },
  async arrayFilters(db) {
    await db.collection('array').insertOne({
      _id: 1,
      items: [
        { k: 'a', n: 0 },
        { k: 'b', n: 0 },
      ],
    } as never);
    await db
      .collection('array')
      .updateOne(
        { _id: 1 } as never,
        { $set: { 'items.$[item].n': 1 } },
        { arrayFilters: [{ 'item.k': 'b' }] },
      );
    const stored = await db.collection('array').findOne({ _id: 1 } as never);
    return (
      JSON.stringify(stored?.items) ===
      JSON.stringify([
        { k: 'a', n: 0 },
        { k: 'b', n: 1 },
      ])
    );
  },
  async groupFirst(db) {
    await db.collection('group').insertMany([
      { g: 1, n: 1 },
      { g: 1, n: 2 },
    ]);
    const [result] = await db
      .collection('group')
      .aggregate<{ first: number }>([{ $sort: { n: 1 } }, { $group: { _id: '$g', first: { $first: '$n' } } }])
      .toArray();
    return result?.first === 1;
  },
  // A race proves only its absence: rounds of 8 concurrent compare-and-set updates, until two win one round
  // (FerretDB 1.24 shows it within the first two rounds; MongoDB and mongo-java-server never do).
  async atomicUpdates(db) {
    const counter = db.collection<{ _id: number; v: number }>('atomic');
    await counter.insertOne({ _id: 1, v: 0 });
    for (let round = 0; round < 50; round += 1) {
      const results = await Promise.all(
        Array.from({ length: 8 }, () => counter.updateOne({ _id: 1, v: round }, { $inc: { v: 1 } })),
      );
      if (results.reduce((won, result) => won + result.modifiedCount, 0) !== 1) return false;
    }
    return true;
  },
};

/**
 * Tries each of the {@link MongoCapabilities} on the server at `url`, on a scratch database and a client
 * of its own (a server may drop the connection on what it does not know: FerretDB does on `Decimal128`).
 * Rejects only when the server cannot be reached at all.
 */
export async function probeMongoCapabilities(url: string): Promise<MongoCapabilities> {
  const database = unique('polyshop_probe');
  const withClient = async <T>(work: (client: MongoClient) => Promise<T>): Promise<T> => {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
    try {
      return await work(client);
    } finally {
      await client.close();
    }
  };
  await withClient((client) => client.db(database).command({ ping: 1 }));
  try {
    const capabilities = {} as MongoCapabilities;
    for (const [feature, probe] of Object.entries(probes) as [MongoFeature, Probe][]) {
      // A probe the server fails is a feature it lacks: that is what the probe asks.
      capabilities[feature] = await withClient((client) => probe(client.db(database), client)).catch(
        () => false,
      );
    }
    return capabilities;
  } finally {
    // Cleanup of the probe's scratch database (unique name): nothing depends on it being gone.
    await withClient((client) => client.db(database).dropDatabase()).catch(() => undefined);
  }
}
