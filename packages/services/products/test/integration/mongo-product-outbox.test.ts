import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, newId, silentLogger, type AppError, type EventEnvelope } from '@polyshop/kernel';
import { MongoOutboxRelay, type MongoConnection } from '@polyshop/stores';
import { mongoTarget } from '@polyshop/testing';
import { MongoProductRepository } from '../../src/adapters/mongodb/mongo-product-repository.ts';
import type { ProductsDeps } from '../../src/app/products-deps.ts';
import { createCategory } from '../../src/app/manage-categories.ts';
import { productEvent } from '../../src/domain/products-events.ts';
import { createProduct, updateProduct } from '../../src/app/write-products.ts';
import { buildProduct } from '../../src/domain/product.ts';
import { aGadget, aSku, gadgetsCategory } from '../contract/catalog-builders.ts';

const target = mongoTarget();

/**
 * The catalog's outbox on a MongoDB server without transactions (mongo-java-server): events are
 * written pending before the product, confirmed after, and a refused or failed write leaves none.
 */
describe(`catalog outbox on MongoDB without transactions (${target.name})`, { skip: target.skip }, () => {
  let opened: { connection: MongoConnection; namespace: string };
  let repository: MongoProductRepository;
  let deps: ProductsDeps;
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const published: EventEnvelope[] = [];
  const relays: MongoOutboxRelay[] = [];
  const relay = (graceMs?: number) => {
    const made = new MongoOutboxRelay({
      outbox: repository.outbox,
      publisher: { publish: async (event) => void published.push(event) },
      logger: silentLogger(),
      ...(graceMs === undefined ? {} : { graceMs }),
    });
    relays.push(made);
    return made;
  };
  const outboxOf = (productId: string) =>
    repository.outbox.collection.find({ aggregateId: productId }).sort({ seq: 1 }).toArray();

  before(async () => {
    opened = await target.open();
    assert.equal(
      opened.connection.supportsTransactions,
      false,
      'these tests are about the path without transactions',
    );
    repository = new MongoProductRepository(opened.connection);
    await repository.ensureIndexes();
    deps = { repository, clock };
    await createCategory(deps, gadgetsCategory());
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((made) => made.stop()));
  });
  after(() => target.close(opened));

  it('records one ready event per write; of two racing writers the loser leaves no event behind', async () => {
    const created = await createProduct(deps, aGadget());
    const results = await Promise.allSettled([
      updateProduct(deps, created.id, { name: 'writer A' }, 1),
      updateProduct(deps, created.id, { name: 'writer B' }, 1),
    ]);
    assert.deepEqual(results.map((result) => result.status).sort(), ['fulfilled', 'rejected']);
    const events = await outboxOf(created.id);
    assert.deepEqual(
      events.map((event) => [event.type, event.status]),
      [
        ['product.created', 'ready'],
        ['product.updated', 'ready'],
      ],
    );
    const winner = (
      results.find((result) => result.status === 'fulfilled') as PromiseFulfilledResult<{ name: string }>
    ).value;
    assert.equal((events[1]!.envelope.data as { name: string }).name, winner.name);
  });

  it('loads a batch all or nothing: a slug taken half-way through removes the products and events already written', async () => {
    const taken = await createProduct(deps, aGadget());
    const now = clock.now();
    const category = (await repository.findCategory('gadgets'))!;
    const batch = [aGadget(), aGadget({ slug: taken.slug }), aGadget()].map((input) =>
      buildProduct(input, category, { id: newId(), version: 1, createdAt: now, updatedAt: now }),
    );
    const before = await repository.count();
    await assert.rejects(
      repository.createMany(
        batch,
        batch.map((product) => productEvent('product.created', product, clock)),
      ),
      (error: AppError) => error.code === 'PRODUCT.SLUG_TAKEN',
    );
    assert.equal(await repository.count(), before);
    for (const product of batch) assert.deepEqual(await outboxOf(product.id), []);
  });

  it('lets exactly one of two creates take a SKU, and only the winner has an event', async () => {
    const sku = aSku();
    const results = await Promise.allSettled([
      createProduct(deps, aGadget({ variants: [{ sku }] })),
      createProduct(deps, aGadget({ variants: [{ sku }] })),
    ]);
    const won = results.filter((result) => result.status === 'fulfilled');
    assert.equal(won.length, 1);
    const ids = (
      await repository.outbox.collection.find({ 'envelope.data.variants.sku': sku }).toArray()
    ).map((event) => event.aggregateId);
    assert.deepEqual(ids, [(won[0] as PromiseFulfilledResult<{ id: string }>).value.id]);
  });

  it('publishes the event of a writer that died after writing its product, and drops one whose product write never happened', async () => {
    const product = await createProduct(deps, aGadget());
    const updated = await updateProduct(deps, product.id, { name: 'Renamed before a crash' }, 1);
    // the writer of the update died before confirming: its event is still pending, long past the grace period
    const [, update] = await outboxOf(product.id);
    await repository.outbox.collection.updateOne(
      { _id: update!._id },
      { $set: { status: 'pending', stagedAt: new Date(Date.now() - 60_000) } },
    );
    // and a writer that died before its product write: a pending event whose write id the product never got
    const lost = productEvent('product.updated', { ...updated, name: 'Never written', version: 3 }, clock);
    await repository.outbox.collection.insertOne({
      ...update!,
      _id: lost.id,
      seq: await repository.outbox.allocate(1),
      envelope: lost,
      writeId: crypto.randomUUID(),
      status: 'pending',
      stagedAt: new Date(Date.now() - 60_000),
    });
    published.length = 0;
    await relay(1000).flush();
    const mine = published.filter((event) => event.aggregateId === product.id);
    assert.deepEqual(
      mine.map((event) => [event.type, (event.data as { name: string }).name]),
      [
        ['product.created', product.name],
        ['product.updated', 'Renamed before a crash'],
      ],
    );
    assert.equal(await repository.outbox.collection.countDocuments({ _id: lost.id }), 0);
  });
});
