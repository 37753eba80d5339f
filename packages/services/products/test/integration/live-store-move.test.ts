import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { MigrationEngine, MigrationSides } from '@polyshop/migration';
import type { TestPlatform } from '@polyshop/platform/testing';
import type { MongoConnection } from '@polyshop/stores';
import { eventually } from '@polyshop/testing';
import { liveMoveSkip, openLiveMove, type LiveMove } from './live-move-harness.ts';

const SERVICE = 'products';

let counter = 0;
function aKettle() {
  counter += 1;
  return {
    name: `Kettle ${counter}`,
    category: 'kettles',
    currency: 'EUR',
    basePrice: '39.90',
    status: 'active',
    attributes: {},
    variants: [{ sku: `KETTLE-${randomBytes(3).toString('hex')}-${counter}` }],
  };
}

/**
 * The running platform (users + products on PGlite, MONGODB_URL set) moves its catalogue to MongoDB
 * while it serves HTTP: the products module follows each phase from the control store without a
 * restart, so writes reach both stores from dual-write on, reads come from MongoDB from read-switch
 * on, and MongoDB's outbox records the events from write-switch on.
 */
describe('moving the live catalogue from PostgreSQL to MongoDB', { skip: liveMoveSkip }, () => {
  let platform: TestPlatform;
  let token: string;
  let mongo: MongoConnection;
  let engine: MigrationEngine;
  let sides: MigrationSides;
  let move: LiveMove | undefined;
  before(async () => {
    move = await openLiveMove();
    ({ platform, token, mongo, engine, sides } = move);
  });
  after(() => move?.close());

  const call = async (method: 'GET' | 'POST', url: string, body?: object) => {
    const response = await platform.app.inject({
      method,
      url,
      ...(body ? { payload: body } : {}),
      headers: { authorization: `Bearer ${token}` },
    });
    assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
    return response.json<{ id: string; name: string }>();
  };
  const inMongo = async (id: string) => (await sides.to.read('products', [id])).length === 1;
  /** Advances one phase; the engine waits until this process acknowledged the current one. */
  const advance = async () => (await engine.advance(SERVICE)).phase;

  it('moves through every phase under HTTP traffic, without a restart', async () => {
    await call('POST', '/products/categories', { slug: 'kettles', name: 'Kettles' });
    const before = await call('POST', '/products', aKettle());
    assert.equal(await inMongo(before.id), false);

    await engine.start(SERVICE, 'postgres', 'mongodb');
    // the module learns of the phase within a refresh: from then on a write reaches both stores
    const dual = await eventually(async () => {
      const created = await call('POST', '/products', aKettle());
      return (await inMongo(created.id)) && created;
    });
    assert.equal(await advance(), 'backfill');
    const backfill = await engine.runBackfill({ service: SERVICE, sides, batchSize: 50 });
    assert.equal(backfill.completed, true);
    assert.ok(await inMongo(before.id), 'the backfill copied what existed before dual-write');
    assert.equal(await advance(), 'verify');
    const report = await engine.verify({ service: SERVICE, sides, batchSize: 50 });
    assert.equal(report.clean, true, JSON.stringify(report.details));
    assert.equal(await advance(), 'read-switch');

    // reads now come from MongoDB: a change made there only is what the API shows
    await sides.to.upsertIfNewer(
      'products',
      (await sides.to.read('products', [dual.id])).map((record) => ({
        ...record,
        body: { ...(record.body as object), name: 'Seen in MongoDB' },
      })),
      { force: true },
    );
    await eventually(async () => (await call('GET', `/products/${dual.id}`)).name === 'Seen in MongoDB');
    const ready = await platform.app.inject('/readyz');
    assert.deepEqual(ready.json<{ stores: unknown }>().stores, {
      products: { phase: 'read-switch', reads: 'mongodb', writes: 'postgres', mirror: 'mongodb' },
    });

    assert.equal(await advance(), 'write-switch');
    const after = await eventually(async () => {
      const created = await call('POST', '/products', aKettle());
      const events = await mongo.db.collection('outbox').countDocuments({ aggregateId: created.id });
      return events === 1 && created;
    });
    assert.ok(
      (await sides.from.read('products', [after.id])).length === 1,
      'PostgreSQL still gets every write',
    );
    assert.equal(await advance(), 'finished');
    const listed = (await call('GET', '/products?category=kettles&limit=100')) as unknown as {
      items: { id: string }[];
    };
    for (const id of [before.id, dual.id, after.id]) assert.ok(listed.items.some((item) => item.id === id));
  });
});
