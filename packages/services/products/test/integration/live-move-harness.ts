import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ServiceName } from '@polyshop/http';
import type { EventEnvelope } from '@polyshop/kernel';
import {
  MigrationEngine,
  MigrationStateStore,
  type MigrationSide,
  type MigrationSides,
  type Phase,
} from '@polyshop/migration';
import {
  adminToken,
  createTestPlatform,
  migrateStoreInProcess,
  type InjectTarget,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { openMongo, type MongoConnection, type SqlDatabase } from '@polyshop/stores';
import { postgresTargets, skipReason, testServerUrl } from '@polyshop/testing';
import type { Product } from '../../src/domain/product.ts';
import { MongoCatalogSide } from '../../src/adapters/migration/mongo-catalog-side.ts';
import { PostgresCatalogSide } from '../../src/adapters/migration/postgres-catalog-side.ts';

const MONGO = 'POLYSHOP_TEST_MONGODB_URL';
const mongoServer = testServerUrl(MONGO);

/** Why a live-move test cannot run here (no MongoDB test server), or false. */
export const liveMoveSkip = skipReason(MONGO, mongoServer);

/** The PostgreSQL engine a live move starts from: in-memory PGlite, or a fresh database on the real server. */
export type LiveMoveSource = 'pglite' | 'postgres';

/**
 * Every source a live move must work from, each with its skip reason: PGlite always, the real
 * PostgreSQL server from `POLYSHOP_TEST_DATABASE_URL` (skipped loudly when missing locally, a failure
 * under CI=true), both into MongoDB from `POLYSHOP_TEST_MONGODB_URL`.
 */
export const LIVE_MOVE_SOURCES: { source: LiveMoveSource; skip: string | false }[] = postgresTargets().map(
  (target) => ({ source: target.name, skip: liveMoveSkip || target.skip }),
);

/** What a test reads of an HTTP answer. */
export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json<T = unknown>(): T;
}

/** A running platform (users + products on PostgreSQL, MONGODB_URL on a fresh database) and an engine to move it. */
export interface LiveMove {
  platform: TestPlatform;
  token: string;
  mongo: MongoConnection;
  db: SqlDatabase;
  engine: MigrationEngine;
  /** The catalogue's PostgreSQL side (`from`) and MongoDB side (`to`). */
  sides: MigrationSides;
  /** An HTTP request as the admin (`If-Match: "<ifMatch>"` when given). */
  request(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: object,
    ifMatch?: number,
  ): Promise<Answer>;
  close(): Promise<void>;
}

export interface LiveMoveOptions {
  /** The platform's PostgreSQL (default `pglite`). */
  source?: LiveMoveSource;
  /** The platform's services (default users and products). */
  services?: ServiceName[];
}

export async function openLiveMove(options: LiveMoveOptions = {}): Promise<LiveMove> {
  const database = `polyshop_t_${randomBytes(5).toString('hex')}`;
  const url = new URL(mongoServer!);
  url.pathname = `/${database}`;
  const platform = await createTestPlatform({
    target: options.source ?? 'pglite',
    services: options.services ?? ['users', 'products'],
    env: { MONGODB_URL: url.toString() },
  });
  const token = await adminToken(platform);
  const mongo = await openMongo({ url: mongoServer!, database });
  const db = await platform.postgres();
  return {
    platform,
    token,
    mongo,
    db,
    engine: new MigrationEngine({ state: new MigrationStateStore(db), pollMs: 20 }),
    sides: { from: new PostgresCatalogSide(db), to: new MongoCatalogSide(mongo) },
    request: requestsAs(platform, token),
    async close() {
      await platform.dispose();
      await mongo.db.dropDatabase().catch(() => undefined);
      await mongo.close();
    },
  };
}

/** HTTP requests to `platform` as the holder of `token` (`If-Match: "<ifMatch>"` when given). */
export function requestsAs(platform: InjectTarget, token: string): LiveMove['request'] {
  return async (method, url, body, ifMatch) =>
    await platform.app.inject({
      method,
      url,
      ...(body ? { payload: body } : {}),
      headers: {
        authorization: `Bearer ${token}`,
        ...(ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` }),
      },
    });
}

/** A product as an acknowledged write returned it. */
export interface Written {
  id: string;
  version: number;
  name: string;
  category: string;
  status: string;
}

/** What the clients were told: every acknowledged write, per product, the last one last. */
export class Ledger {
  readonly last = new Map<string, Written>();
  /** Acknowledged changes per product (creates and patches): each must have one event, no more. */
  readonly changes = new Map<string, number>();
  /** Per product, the lowest version acknowledged by a write that began after `cut()`. */
  readonly sinceCut = new Map<string, number>();
  readonly failures: string[] = [];
  #cut = false;

  /** From now on, writes that begin are counted in `sinceCut`. */
  cut(): void {
    this.#cut = true;
  }

  /** Whether `cut()` was called: read it before a request begins. */
  get isCut(): boolean {
    return this.#cut;
  }

  acknowledge(product: Written, begunAfterCut = false): void {
    const known = this.last.get(product.id);
    if (!known || known.version < product.version) this.last.set(product.id, product);
    this.changes.set(product.id, (this.changes.get(product.id) ?? 0) + 1);
    if (begunAfterCut) {
      const first = this.sinceCut.get(product.id);
      if (first === undefined || product.version < first) this.sinceCut.set(product.id, product.version);
    }
  }
}

/** Clients running against a live move; `stop` ends them and resolves once every request answered. */
export interface Load {
  ledger: Ledger;
  stop(): Promise<void>;
}

/** The categories the clients move products between (created before the load starts). */
const CATEGORIES = ['mugs', 'cups'] as const;

/**
 * Starts `concurrency` clients that create products (in the categories `mugs` and `cups`, created
 * first), patch the ones they know with If-Match (a new name, now and then a new category), archive
 * some and read them, until `stop`. Each acknowledged write goes to the ledger, each 5xx to
 * `ledger.failures`. Given the ledger of an earlier load on the same platform, its categories are
 * there already and the new clients' writes go on in it.
 */
export async function startLoad(
  move: Pick<LiveMove, 'request'>,
  concurrency: number,
  earlier?: Ledger,
): Promise<Load> {
  for (const slug of earlier ? [] : CATEGORIES) {
    const created = await move.request('POST', '/products/categories', { slug, name: slug });
    assert.equal(created.statusCode, 201, created.body);
  }
  const ledger = earlier ?? new Ledger();
  let stopped = false;
  const clients = Array.from({ length: concurrency }, (_, i) => client(move, ledger, () => stopped, i + 1));
  return {
    ledger,
    async stop() {
      stopped = true;
      await Promise.all(clients);
    },
  };
}

/**
 * One client: creates, patches what it knows with If-Match (its name; every third patch its category
 * too), archives one now and then (If-Match; an archived product is not written again), and reads,
 * until `stop`.
 */
async function client(
  move: Pick<LiveMove, 'request'>,
  ledger: Ledger,
  stop: () => boolean,
  seed: number,
): Promise<void> {
  const mine: string[] = [];
  for (let step = 0; !stop(); step++) {
    const roll = (seed * 31 + step * 17) % 20;
    const afterCut = ledger.isCut;
    let response;
    let write = true;
    if (mine.length === 0 || roll < 6) {
      response = await move.request('POST', '/products', {
        name: `Mug ${seed}-${step}`,
        category: CATEGORIES[step % CATEGORIES.length],
        currency: 'EUR',
        basePrice: '12.50',
        status: 'active',
        attributes: {},
        variants: [{ sku: `MUG-${seed}-${step}-${randomBytes(2).toString('hex')}` }],
      });
      if (response.statusCode === 201) mine.push(response.json<Product>().id);
    } else if (roll < 16) {
      const id = mine[step % mine.length]!;
      const known = ledger.last.get(id)!;
      const category = step % 3 === 0 ? { category: CATEGORIES[(step / 3) % CATEGORIES.length] } : {};
      response = await move.request(
        'PATCH',
        `/products/${id}`,
        { name: `Mug ${seed}-${step}`, ...category },
        known.version,
      );
    } else if (roll === 16) {
      const id = mine.splice(step % mine.length, 1)[0]!;
      const known = ledger.last.get(id)!;
      response = await move.request('DELETE', `/products/${id}`, undefined, known.version);
      if (response.statusCode === 204) {
        const version = Number(String(response.headers.etag).replaceAll('"', ''));
        ledger.acknowledge({ ...known, version, status: 'archived' }, afterCut);
        continue;
      }
    } else {
      write = false;
      response = await move.request('GET', `/products/${mine[step % mine.length]!}`);
    }
    if (response.statusCode >= 500) ledger.failures.push(`${response.statusCode} ${response.body}`);
    else if (response.statusCode < 300 && write) ledger.acknowledge(response.json<Written>(), afterCut);
  }
}

/** Resolves after `ms` of load. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Clients of a move under load (`startLoad`): bounded so each drill stays short in CI. */
export const LOAD_CONCURRENCY = 8;

/**
 * `polyshop migrate-store products --to mongodb [--phase <phase>] [--yes]`, in this process over the
 * move's stores (the command's own sequence: backfill, verify — refusing to go on unless clean —, and
 * the pause before write-switch without `--yes`). Asserts it reached `phase`.
 */
export async function migrateStoreTo(move: LiveMove, phase: Phase, yes = false): Promise<void> {
  const { migration, lines } = await migrateStoreInProcess(
    {
      engine: move.engine,
      configuredStore: 'postgres',
      postgres: async () => move.db,
      mongodb: async () => move.mongo,
    },
    { service: 'products', to: 'mongodb', phase, yes, batchSize: 25 },
  );
  assert.equal(migration.phase, phase, lines.join('\n'));
}

/**
 * Under load: `pauseMs`, `migrate-store products --to mongodb` starts the move (dual-write),
 * `pauseMs`, then runs it to `verify` (backfill to completion, then a verify that must be clean).
 */
export async function moveUntilVerified(move: LiveMove, pauseMs: number): Promise<void> {
  await sleep(pauseMs);
  await migrateStoreTo(move, 'dual-write');
  await sleep(pauseMs);
  await migrateStoreTo(move, 'verify');
  const report = await move.engine.verify({ service: 'products', sides: move.sides, batchSize: 50 });
  assert.equal(report.clean, true, JSON.stringify(report.details.slice(0, 3)));
}

/** Asserts `side` holds every product of the ledger with its last acknowledged version and name. */
export async function assertHoldsLedger(side: MigrationSide, ledger: Ledger): Promise<void> {
  const stored = new Map(
    (await side.read('products', [...ledger.last.keys()])).map((record) => [
      record.key,
      record.body as Product,
    ]),
  );
  for (const [id, last] of ledger.last) {
    const held = stored.get(id);
    assert.deepEqual(
      [held?.version, held?.name, held?.category, held?.status],
      [last.version, last.name, last.category, last.status],
      `product ${id} in ${side.store}`,
    );
  }
}

/** The `product.*` events recorded across both outboxes (PostgreSQL's, and MongoDB's confirmed ones). */
export async function productEvents(move: LiveMove): Promise<EventEnvelope[]> {
  const events = (
    await move.db.query<{ envelope: EventEnvelope }>(
      `SELECT envelope FROM catalog.outbox WHERE type LIKE 'product.%'`,
    )
  ).map((row) => row.envelope);
  for (const document of await move.mongo.db
    .collection<{ envelope: EventEnvelope; status?: string }>('outbox')
    .find({ status: { $ne: 'pending' } })
    .toArray())
    if (document.envelope.type.startsWith('product.')) events.push(document.envelope);
  return events;
}

/** Asserts each acknowledged change has exactly one `product.*` event, in whichever outbox recorded it. */
export async function assertOneEventPerChange(move: LiveMove, ledger: Ledger): Promise<void> {
  const events = new Map<string, number>();
  for (const event of await productEvents(move))
    events.set(event.aggregateId, (events.get(event.aggregateId) ?? 0) + 1);
  for (const [id, changes] of ledger.changes) assert.equal(events.get(id), changes, `events of ${id}`);
  assert.equal(events.size, ledger.changes.size, 'events of products no client was told of');
}
