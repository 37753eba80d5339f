import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MongoBulkWriteError } from 'mongodb';
import { bulkWriteSkippingTaken, type MongoConnection } from '@polyshop/stores';
import { mongoTarget } from '@polyshop/testing';

const target = mongoTarget();

interface Doc {
  _id: string;
  version: number;
  slug?: string;
}

describe(`bulkWriteSkippingTaken on ${target.name}`, { skip: target.skip }, () => {
  let opened: { connection: MongoConnection; namespace: string };
  const docs = () => opened.connection.db.collection<Doc>('docs');

  before(async () => {
    opened = await target.open();
    await docs().createIndex({ slug: 1 }, { unique: true, sparse: true, name: 'docs_slug' });
  });
  after(async () => target.close(opened));

  it('writes every operation it can; an insert or upsert meeting a taken _id is reported, not thrown', async () => {
    await docs().insertMany([
      { _id: 'a', version: 1 },
      { _id: 'b', version: 5 },
    ]);
    const inserts = await bulkWriteSkippingTaken(docs(), [
      { insertOne: { document: { _id: 'a', version: 2 } } },
      { insertOne: { document: { _id: 'c', version: 1 } } },
    ]);
    assert.deepEqual([...inserts.taken], [0]);
    // writes by version: b holds a newer one, so the filter misses and the upsert's insert meets `_id`
    const byVersion = (_id: string, version: number) => ({
      replaceOne: { filter: { _id, version: { $lt: version } }, replacement: { version }, upsert: true },
    });
    const upserts = await bulkWriteSkippingTaken(docs(), [
      byVersion('b', 3),
      byVersion('d', 1),
      byVersion('a', 4),
    ]);
    assert.deepEqual([...upserts.taken], [0]);
    assert.deepEqual(Object.keys(upserts.result?.upsertedIds ?? {}).map(Number), [1]);
    const held = await docs()
      .find({}, { sort: { _id: 1 } })
      .toArray();
    assert.deepEqual(
      held.map((doc) => [doc._id, doc.version]),
      [
        ['a', 4],
        ['b', 5],
        ['c', 1],
        ['d', 1],
      ],
    );
  });

  it('throws a duplicate on any other unique index', async () => {
    await docs().insertOne({ _id: 'e', version: 1, slug: 'mugs' });
    await assert.rejects(
      bulkWriteSkippingTaken(docs(), [{ insertOne: { document: { _id: 'f', version: 1, slug: 'mugs' } } }]),
      MongoBulkWriteError,
    );
  });

  it('sends nothing for no operations', async () => {
    assert.deepEqual(await bulkWriteSkippingTaken(docs(), []), { result: undefined, taken: new Set() });
  });
});
