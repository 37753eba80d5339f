import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { EventEnvelope } from '@polyshop/kernel';
import type { MigrationEngine, MigrationSides } from '@polyshop/migration';
import type { TestPlatform } from '@polyshop/platform/testing';
import type { MongoConnection, SqlDatabase } from '@polyshop/stores';
import type { Product } from '../../src/domain/product.ts';
import { liveMoveSkip, openLiveMove, type LiveMove } from './live-move-harness.ts';

const SERVICE = 'products';
/** Bounded: a few seconds of load at this concurrency per phase, so the test stays short in CI. */
const CONCURRENCY = 8;
const PHASE_LOAD_MS = 1500;

/** What the clients were told: every acknowledged write, per product, the last one last. */
class Ledger {
  readonly last = new Map<string, { version: number; name: string }>();
  /** Acknowledged changes per product (creates and patches): each must have one event, no more. */
  readonly changes = new Map<string, number>();
  readonly failures: string[] = [];

  acknowledge(product: { id: string; version: number; name: string }): void {
    const known = this.last.get(product.id);
    if (!known || known.version < product.version) this.last.set(product.id, product);
    this.changes.set(product.id, (this.changes.get(product.id) ?? 0) + 1);
  }
}

/**
 * The live move under load: clients create, patch (If-Match) and read products through HTTP the
 * whole time the engine moves the catalogue from PostgreSQL to MongoDB, phase by phase. At the end:
 * no 5xx, verify finds no difference, every acknowledged write is in MongoDB with its last value, and
 * each acknowledged change has exactly one `product.*` event across both stores' outboxes.
 */
describe('moving the catalogue under load', { skip: liveMoveSkip }, () => {
  let platform: TestPlatform;
  let token: string;
  let mongo: MongoConnection;
  let db: SqlDatabase;
  let engine: MigrationEngine;
  let sides: MigrationSides;
  let move: LiveMove | undefined;
  before(async () => {
    move = await openLiveMove();
    ({ platform, token, mongo, db, engine, sides } = move);
  });
  after(() => move?.close());

  const request = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: object, ifMatch?: number) =>
    platform.app.inject({
      method,
      url,
      ...(body ? { payload: body } : {}),
      headers: {
        authorization: `Bearer ${token}`,
        ...(ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` }),
      },
    });

  /** One client: creates, patches what it knows with If-Match, and reads, until `stop`. */
  async function client(ledger: Ledger, stop: () => boolean, seed: number): Promise<void> {
    const mine: string[] = [];
    for (let step = 0; !stop(); step++) {
      const roll = (seed * 31 + step * 17) % 10;
      let response;
      let write = true;
      if (mine.length === 0 || roll < 3) {
        response = await request('POST', '/products', {
          name: `Mug ${seed}-${step}`,
          category: 'mugs',
          currency: 'EUR',
          basePrice: '12.50',
          status: 'active',
          attributes: {},
          variants: [{ sku: `MUG-${seed}-${step}-${randomBytes(2).toString('hex')}` }],
        });
        if (response.statusCode === 201) mine.push(response.json<Product>().id);
      } else if (roll < 8) {
        const id = mine[step % mine.length]!;
        const known = ledger.last.get(id)!;
        response = await request('PATCH', `/products/${id}`, { name: `Mug ${seed}-${step}` }, known.version);
      } else {
        write = false;
        response = await request('GET', `/products/${mine[step % mine.length]!}`);
      }
      if (response.statusCode >= 500) ledger.failures.push(`${response.statusCode} ${response.body}`);
      else if (response.statusCode < 300 && write) {
        ledger.acknowledge(response.json<{ id: string; version: number; name: string }>());
      }
    }
  }

  it('keeps every acknowledged write, once, with its event once', async () => {
    assert.equal(
      (await request('POST', '/products/categories', { slug: 'mugs', name: 'Mugs' })).statusCode,
      201,
    );
    const ledger = new Ledger();
    let stopped = false;
    const clients = Array.from({ length: CONCURRENCY }, (_, i) => client(ledger, () => stopped, i + 1));
    const load = () => new Promise((resolve) => setTimeout(resolve, PHASE_LOAD_MS));
    try {
      await load();
      await engine.start(SERVICE, 'postgres', 'mongodb');
      await load();
      await engine.advance(SERVICE); // backfill
      assert.equal((await engine.runBackfill({ service: SERVICE, sides, batchSize: 25 })).completed, true);
      await engine.advance(SERVICE); // verify
      const report = await engine.verify({ service: SERVICE, sides, batchSize: 50 });
      assert.equal(report.clean, true, JSON.stringify(report.details.slice(0, 3)));
      for (const phase of ['read-switch', 'write-switch', 'finished'] as const) {
        await load();
        assert.equal((await engine.advance(SERVICE)).phase, phase);
      }
      await load();
    } finally {
      stopped = true;
      await Promise.all(clients);
    }
    assert.deepEqual(ledger.failures, []);
    assert.ok(ledger.last.size > CONCURRENCY, `only ${ledger.last.size} products were written`);

    // every acknowledged write is in MongoDB (now the source of truth) with its last value
    const stored = new Map(
      (await sides.to.read('products', [...ledger.last.keys()])).map((record) => [
        record.key,
        record.body as Product,
      ]),
    );
    for (const [id, last] of ledger.last) {
      assert.deepEqual(
        [stored.get(id)?.version, stored.get(id)?.name],
        [last.version, last.name],
        `product ${id}`,
      );
    }

    // each acknowledged change has exactly one event, in whichever outbox was the source of truth's
    const events = new Map<string, number>();
    const count = (id: string) => events.set(id, (events.get(id) ?? 0) + 1);
    for (const row of await db.query<{ envelope: EventEnvelope }>(
      `SELECT envelope FROM catalog.outbox WHERE type LIKE 'product.%'`,
    ))
      count(row.envelope.aggregateId);
    for (const document of await mongo.db
      .collection<{ envelope: EventEnvelope; status?: string }>('outbox')
      .find({ status: { $ne: 'pending' } })
      .toArray())
      if (document.envelope.type.startsWith('product.')) count(document.envelope.aggregateId);
    for (const [id, changes] of ledger.changes) assert.equal(events.get(id), changes, `events of ${id}`);
  });
});
