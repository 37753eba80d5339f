import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@polyshop/testing';
import type { Product } from '../../src/domain/product.ts';
import {
  assertHoldsLedger,
  assertOneEventPerChange,
  LIVE_MOVE_SOURCES,
  LOAD_CONCURRENCY,
  migrateStoreTo,
  moveUntilVerified,
  openLiveMove,
  productEvents,
  sleep,
  startLoad,
  type LiveMove,
} from './live-move-harness.ts';

/** A second or so of load per phase, so the test stays short in CI. */
const PHASE_LOAD_MS = 1000;

/**
 * The live move under load: clients create, patch (If-Match) and read products through HTTP the
 * whole time the engine moves the catalogue from PostgreSQL (PGlite, then the real server) to
 * MongoDB, phase by phase. At the end: no 5xx, verify finds no difference, every acknowledged write
 * is in MongoDB with its last value, each acknowledged change has exactly one `product.*` event
 * across both stores' outboxes, and search — fed by those events — handled each exactly once and
 * indexes exactly the catalogue, each product at its last version and name.
 */
for (const { source, skip } of LIVE_MOVE_SOURCES) {
  describe(`moving the catalogue under load (${source} → MongoDB)`, { skip }, () => {
    let move: LiveMove | undefined;
    before(async () => {
      move = await openLiveMove({ source, services: ['users', 'products', 'search'] });
    });
    after(() => move?.close());

    it('keeps every acknowledged write, once, with its event once, at search once', async () => {
      const { sides, db } = move!;
      const load = await startLoad(move!, LOAD_CONCURRENCY);
      try {
        await moveUntilVerified(move!, PHASE_LOAD_MS);
        // the rest as an operator runs it: `migrate-store products --to mongodb --yes`, phase by phase
        for (const phase of ['read-switch', 'write-switch', 'finished'] as const) {
          await sleep(PHASE_LOAD_MS);
          await migrateStoreTo(move!, phase, true);
        }
        await sleep(PHASE_LOAD_MS);
      } finally {
        await load.stop();
      }
      const { ledger } = load;
      assert.deepEqual(ledger.failures, []);
      assert.ok(ledger.last.size > LOAD_CONCURRENCY, `only ${ledger.last.size} products were written`);

      // every acknowledged write is in MongoDB (now the source of truth) with its last value
      await assertHoldsLedger(sides.to, ledger);
      // each acknowledged change has exactly one event, in whichever outbox was the source of truth's
      await assertOneEventPerChange(move!, ledger);

      // search: once the event tail has drained, it handled every product event exactly once (its
      // inbox holds each event id once, and no other) …
      const events = (await productEvents(move!)).map((event) => event.id).sort();
      await eventually(
        async () => {
          const handled = await db.query<{ event_id: string }>(
            `SELECT event_id FROM search.inbox WHERE consumer = 'search.products'`,
          );
          assert.deepEqual(handled.map((row) => row.event_id).sort(), events);
          return true;
        },
        { timeoutMs: 15_000, message: 'search to handle every product event' },
      );
      // … and its index equals the catalogue: the same products, each at its last version and name
      const byId = (a: readonly unknown[], b: readonly unknown[]) =>
        String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0;
      const catalogue = (await sides.to.scan('products', undefined, 100_000)).map(
        (record) => record.body as Product,
      );
      const indexed = await db.query<{ id: string; version: number; name: string; category: string }>(
        `SELECT id, version, name, category FROM search.products WHERE searchable`,
      );
      assert.deepEqual(
        indexed.map((row) => [row.id, row.version, row.name, row.category]).sort(byId),
        catalogue
          .filter((product) => product.status === 'active')
          .map((product) => [product.id, product.version, product.name, product.category])
          .sort(byId),
        'the search index holds exactly the active catalogue',
      );
      assert.equal(catalogue.length, ledger.last.size, 'the catalogue holds the products the clients made');
      const archived = [...ledger.last.values()].filter((product) => product.status === 'archived');
      assert.ok(archived.length > 0, 'the clients archived products during the move');
    });
  });
}
