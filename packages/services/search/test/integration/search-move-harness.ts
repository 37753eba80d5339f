import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MigrationSide, Phase } from '@polyshop/migration';
import type { ProductsClient } from '@polyshop/products';
import {
  adminToken,
  createTestPlatform,
  liveMoveCases,
  liveServiceMove,
  ROLLBACK_PHASES,
  requestOk,
  type LiveMoveCase,
  type LiveServiceMove,
  type TestPlatform,
} from '@polyshop/platform/testing';
import type { OpenSearchConnection } from '@polyshop/stores';
import { eventually, openSearchTarget, repeatUntilStopped, testServerUrl } from '@polyshop/testing';
import { OpenSearchSearchSide } from '../../src/adapters/migration/opensearch-search-side.ts';
import { PostgresSearchSide } from '../../src/adapters/migration/postgres-search-side.ts';
import type { IndexedProduct } from '../../src/adapters/migration/search-migration-kinds.ts';
import { migrateSearchSchema } from '../../src/adapters/postgres/postgres-product-search-index.ts';

export const SERVICE = 'search';

/** The OpenSearch test node every search move runs against (and why it skips). */
export const opensearch = openSearchTarget();

/** A product as the catalogue holds it, which search must reflect. */
export interface CatalogueEntry {
  name: string;
  version: number;
  status: string;
}

/**
 * A running platform (users, products, search on `live.source`; search configured on `live.from`,
 * `OPENSEARCH_URL` on a fresh index prefix) whose search index moves to `live.to` with
 * `polyshop migrate-store search`, a shoe category, and what a test reads the stores through.
 */
export interface SearchMove extends LiveServiceMove {
  platform: TestPlatform;
  /** Search's data on each store, as the engine sees it. */
  side: Record<'postgres' | 'opensearch', MigrationSide>;
  /** The index prefix on OpenSearch (`SEARCH_OPENSEARCH_INDEX_PREFIX`). */
  prefix: string;
  request(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: object,
    version?: number,
  ): Promise<{
    json<T>(): T;
  }>;
  close(): Promise<void>;
}

export async function openSearchMove(live: LiveMoveCase): Promise<SearchMove> {
  const opened: { connection: OpenSearchConnection; namespace: string } = await opensearch.open();
  const prefix = `${opened.namespace}-live`;
  const env = {
    OPENSEARCH_URL: testServerUrl('POLYSHOP_TEST_OPENSEARCH_URL')!,
    SEARCH_OPENSEARCH_INDEX_PREFIX: prefix,
    SEARCH_STORE: live.from,
  };
  let platform: TestPlatform | undefined;
  try {
    platform = await createTestPlatform({
      target: live.source,
      services: ['users', 'products', 'search'],
      env,
    });
    const running = platform;
    const token = await adminToken(running);
    const db = await running.postgres();
    await migrateSearchSchema(db);
    const side = {
      postgres: new PostgresSearchSide(db),
      opensearch: await OpenSearchSearchSide.open(opened.connection.client, prefix),
    };
    const move = await liveServiceMove(
      running,
      SERVICE,
      live,
      { opensearch: opened.connection, env },
      { from: side[live.from as keyof typeof side], to: side[live.to as keyof typeof side] },
    );
    await requestOk(running, token, 'POST', '/products/categories', { slug: 'shoes', name: 'Shoes' });
    return {
      ...move,
      platform: running,
      side,
      prefix,
      request: (method, url, body, version) => requestOk(running, token, method, url, body, version),
      async close() {
        await running.dispose();
        await opensearch.close(opened);
      },
    };
  } catch (error) {
    await platform?.dispose();
    await opensearch.close(opened);
    throw error;
  }
}

let made = 0;
/** A new active shoe (two brands, prices with cents, one SKU). */
export const aShoe = (index = ++made) => ({
  name: `Trail shoe ${index}`,
  category: 'shoes',
  brand: index % 3 === 0 ? 'Acme' : 'Bolt',
  currency: 'EUR',
  basePrice: `${20 + (index % 17)}.${index % 10}0`,
  status: 'active',
  attributes: {},
  variants: [{ sku: `SHOE-${process.pid}-${index}` }],
});

/** A client writing the catalogue while search moves; `stop` resolves to the products it created. */
export interface Writer {
  stop(): Promise<string[]>;
  /** Holds the writes (once the one in flight is done) until `resume`. */
  pause(): Promise<void>;
  resume(): void;
}

/**
 * Creates products (one every round), renames one of them every third round (If-Match) and archives
 * the oldest every seventh, until stopped: their `product.*` events reach search in every phase.
 */
export function startWriter(move: SearchMove, pauseMs = 150): Writer {
  const created: string[] = [];
  const live: string[] = [];
  let round = 0;
  const loop = repeatUntilStopped(async () => {
    round += 1;
    const id = (await move.request('POST', '/products', aShoe())).json<{ id: string }>().id;
    created.push(id);
    live.push(id);
    if (round % 3 === 0) {
      const renamed = live[Math.floor(live.length / 2)]!;
      const held = (await move.request('GET', `/products/${renamed}`)).json<{ version: number }>();
      await move.request('PATCH', `/products/${renamed}`, { name: `Renamed shoe ${round}` }, held.version);
    }
    if (round % 7 === 0) await move.request('DELETE', `/products/${live.shift()!}`);
  }, pauseMs);
  return {
    stop: async () => (await loop.stop(), created),
    pause: () => loop.pause(),
    resume: () => loop.resume(),
  };
}

/**
 * `polyshop migrate-store search --to <to> --phase <phase>` under `writer`'s writes, except for the
 * verify pass: the query sample needs the stores to agree for a moment, which a constant stream of
 * writes on a busy machine does not give (each copy lands a while after its event), so the writer
 * pauses for it. Records are still compared under writes in the backfill's dual-write, and writes go
 * on through the switches. Asserts the verify was clean, the query sample compared. Its lines.
 */
export async function moveUnderWrites(move: SearchMove, writer: Writer, phase: Phase): Promise<string[]> {
  const lines = await move.moveTo('verify');
  await writer.pause();
  try {
    lines.push(...(await move.moveTo('read-switch')));
  } finally {
    writer.resume();
  }
  const verified = /verify clean: stock \d+\/\d+, products \d+\/\d+, queries (\d+)\/\d+/.exec(
    lines.join('\n'),
  );
  assert.ok(verified, lines.join('\n'));
  assert.ok(Number(verified[1]) > 5, `the query sample was compared: ${verified[0]}`);
  if (phase !== 'read-switch') lines.push(...(await move.moveTo(phase)));
  return lines;
}

/** Every product of the catalogue (archived ones too), by id. */
export async function catalogue(move: SearchMove): Promise<Map<string, CatalogueEntry>> {
  const client = move.platform.module('products')!.client as ProductsClient;
  const all = new Map<string, CatalogueEntry>();
  for (let cursor: string | null = null; ;) {
    const page = await client.listProducts({ cursor, limit: 100 });
    for (const { id, name, version, status } of page.items) all.set(id, { name, version, status });
    if (!page.nextCursor) return all;
    cursor = page.nextCursor;
  }
}

/** What searches list now through the HTTP API, every page (id → name). */
async function searched(move: SearchMove): Promise<Map<string, string>> {
  const hits = new Map<string, string>();
  for (let cursor: string | undefined; ;) {
    const page = (
      await move.request(
        'GET',
        `/search/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      )
    ).json<{ hits: { id: string; name: string }[]; nextCursor: string | null }>();
    for (const hit of page.hits) hits.set(hit.id, hit.name);
    if (!page.nextCursor) return hits;
    cursor = page.nextCursor;
  }
}

/**
 * Waits until searches (from whichever store reads go to) list exactly the catalogue's active
 * products with their names — the event tail has caught up — and resolves to the catalogue.
 */
export async function searchEqualsCatalogue(move: SearchMove): Promise<Map<string, CatalogueEntry>> {
  let expected = new Map<string, CatalogueEntry>();
  await eventually(
    async () => {
      expected = await catalogue(move);
      const active = [...expected].filter(([, product]) => product.status === 'active');
      const actual = await searched(move);
      return (
        actual.size === active.length && active.every(([id, product]) => actual.get(id) === product.name)
      );
    },
    { timeoutMs: 15_000, intervalMs: 100, message: 'search to list the active catalogue' },
  );
  return expected;
}

/** What `side` holds of each product (absent when it holds nothing). */
export async function heldBy(side: MigrationSide, ids: string[]): Promise<Map<string, IndexedProduct>> {
  return new Map(
    (await side.read('products', ids)).map((record) => [record.key, record.body as IndexedProduct]),
  );
}

/**
 * Asserts `side` holds the catalogue: each active product searchable with its last version and name,
 * each archived one not searchable (a tombstone at its version, or nothing).
 */
export async function assertHoldsCatalogue(
  side: MigrationSide,
  expected: Map<string, CatalogueEntry>,
): Promise<void> {
  const held = await heldBy(side, [...expected.keys()]);
  for (const [id, product] of expected) {
    const indexed = held.get(id);
    if (product.status === 'active') {
      assert.deepEqual(
        [indexed?.searchable, indexed?.version, indexed?.document?.name],
        [true, product.version, product.name],
        `${id} on ${side.store}`,
      );
    } else {
      assert.notEqual(indexed?.searchable, true, `${id} (${product.status}) on ${side.store}`);
    }
  }
}

/**
 * After a rollback: one product created, one renamed (If-Match) and one archived by a client reach
 * the old store (searched and held there, with their versions) and not the store the move was
 * rolled back from.
 */
export async function assertWritesGoToSourceOnly(move: SearchMove, from: MigrationSide, to: MigrationSide) {
  const before = await catalogue(move);
  const [renamed, archived] = [...before]
    .filter(([, product]) => product.status === 'active')
    .map(([id]) => id);
  assert.ok(renamed && archived, 'active products to rename and archive');
  const created = (await move.request('POST', '/products', aShoe())).json<{ id: string }>().id;
  await move.request(
    'PATCH',
    `/products/${renamed}`,
    { name: 'Renamed after the rollback' },
    before.get(renamed)!.version,
  );
  await move.request('DELETE', `/products/${archived}`);
  const after = await searchEqualsCatalogue(move);
  await assertHoldsCatalogue(from, after);
  const elsewhere = await heldBy(to, [created, renamed, archived]);
  assert.equal(elsewhere.get(created), undefined, `${to.store} holds a product created after the rollback`);
  for (const id of [renamed, archived]) {
    assert.ok(
      (elsewhere.get(id)?.version ?? 0) < after.get(id)!.version,
      `${to.store} holds ${id} at ${elsewhere.get(id)?.version}, written after the rollback`,
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The live moves of search from `from` to `to`, from PGlite and from the real PostgreSQL, each under a
 * client creating, renaming and archiving products: rolled back from `read-switch`, then from
 * `write-switch` (the old store holds every change and takes the writes made after, alone), then moved
 * the whole way (search equals the catalogue on `to`, a stock level heard before the move included).
 * Every move verifies clean through the command, records and the query sample.
 */
export function describeSearchMoves(from: 'postgres' | 'opensearch', to: 'postgres' | 'opensearch'): void {
  for (const live of liveMoveCases(from, to, opensearch.skip)) {
    describe(`search ${live.name}, live`, { skip: live.skip }, () => {
      let move: SearchMove;
      const stocked = aShoe();
      const sku = stocked.variants[0]!.sku;

      before(async () => {
        move = await openSearchMove(live);
        await move.request('POST', '/products', stocked);
        for (let i = 0; i < 12; i++) await move.request('POST', '/products', aShoe());
        // a stock level heard before the move is copied too (and moves inStock of its product)
        await move.platform.module('search')!.index.setStock(sku, 4, 1);
        await searchEqualsCatalogue(move);
        assert.deepEqual(await move.route(), { phase: 'idle', reads: from, writes: from });
      });
      after(() => move?.close());

      for (const phase of ROLLBACK_PHASES) {
        it(`rolls back from ${phase} under writes: ${from} holds every change and alone takes the writes after`, async () => {
          const writer = startWriter(move);
          try {
            await moveUnderWrites(move, writer, phase);
            const writes = phase === 'write-switch' ? to : from;
            assert.deepEqual(await move.route(), {
              phase,
              reads: to,
              writes,
              mirror: writes === to ? from : to,
            });
            await sleep(400); // product events applied in this phase
            await move.rollback();
          } finally {
            assert.ok((await writer.stop()).length > 0, 'products were written during the move');
          }
          await assertHoldsCatalogue(move.sides.from, await searchEqualsCatalogue(move));
          await assertWritesGoToSourceOnly(move, move.sides.from, move.sides.to);
        });
      }

      it(`moves the whole way to ${to} under writes: search there equals the catalogue`, async () => {
        const writer = startWriter(move);
        try {
          const lines = await moveUnderWrites(move, writer, 'finished');
          assert.match(lines.join('\n'), new RegExp(`search now runs on ${to}`));
        } finally {
          assert.ok((await writer.stop()).length > 0, 'products were written during the move');
        }
        assert.deepEqual(await move.route(), { phase: 'finished', reads: to, writes: to });
        await assertHoldsCatalogue(move.sides.to, await searchEqualsCatalogue(move));
        const [level] = await move.sides.to.read('stock', [sku]);
        assert.deepEqual(level?.body, { sku, available: 4, version: 1 });
        const inStock = (await move.request('GET', '/search/products?inStock=true')).json<{
          total: number;
        }>();
        assert.equal(inStock.total, 1, 'the stocked product is in stock on the new store');
      });
    });
  }
}
