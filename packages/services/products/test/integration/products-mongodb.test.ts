import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { createTestPlatform, userWithPermissions } from '@polyshop/platform/testing';
import { mongoProductStore } from './product-store-targets.ts';

const run = promisify(execFile);
const polyshop = fileURLToPath(new URL('../../../../platform/bin/polyshop.mjs', import.meta.url));
const store = mongoProductStore();

/** Runs the `polyshop` CLI with the catalog on this MongoDB database; resolves with its exit code and output. */
async function cli(
  args: string[],
  env: Record<string, string>,
  dataDir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [polyshop, ...args, '--data-dir', dataDir], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      timeout: 300_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

describe('the catalog on MongoDB through the platform', { skip: store.skip }, () => {
  after(() => store.dispose());

  it('polyshop seed --products loads the demo catalogue into MongoDB: Decimal128 prices, one product.created each, refused on a second run', async () => {
    const env = store.env();
    const dataDir = await mkdtemp(join(tmpdir(), 'polyshop-seed-'));
    const client = await MongoClient.connect(env.MONGODB_URL!);
    try {
      const seeded = await cli(['seed', '--products', '300', '--batch-size', '120'], env, dataDir);
      assert.equal(seeded.code, 0, seeded.stderr);
      assert.match(seeded.stdout, /^seeded 300 products \(seed 42\)/);
      const db = client.db();
      const products = db.collection('products');
      assert.equal(await products.countDocuments({}), 300);
      assert.equal(
        await products.countDocuments({
          basePrice: { $type: 'decimal' },
          minPrice: { $type: 'decimal' },
          maxPrice: { $type: 'decimal' },
        }),
        300,
      );
      assert.equal(
        await products.countDocuments({ 'variants.price': { $not: { $type: 'decimal' } } }),
        0,
        'no variant price is a double',
      );
      assert.deepEqual(
        (await db.collection('categories').find().sort({ _id: 1 }).toArray()).map((category) => category._id),
        ['books', 'clothing', 'food', 'laptops', 'smartphones'],
      );
      const outbox = db.collection('outbox');
      assert.equal(await outbox.countDocuments({ type: 'product.created', status: { $ne: 'pending' } }), 300);
      assert.equal(
        new Set((await outbox.find().project({ seq: 1 }).toArray()).map((document) => document.seq)).size,
        300,
      );

      const again = await cli(['seed', '--products', '10'], env, dataDir);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already holds 300 products/);
      assert.equal(await products.countDocuments({}), 300, 'nothing was added');
    } finally {
      await client.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('POLYSHOP_PROFILE=polyglot puts the catalog on MongoDB with no other change', async () => {
    const { MONGODB_URL } = store.env();
    const platform = await createTestPlatform({
      target: 'pglite',
      services: ['users', 'products'],
      env: { POLYSHOP_PROFILE: 'polyglot', MONGODB_URL: MONGODB_URL! },
    });
    const client = await MongoClient.connect(MONGODB_URL!);
    try {
      const { token } = await userWithPermissions(platform, ['products:write']);
      const headers = { authorization: `Bearer ${token}` };
      const category = await platform.app.inject({
        method: 'POST',
        url: '/products/categories',
        headers,
        payload: { slug: 'kites', name: 'Kites' },
      });
      assert.equal(category.statusCode, 201, category.body);
      const created = await platform.app.inject({
        method: 'POST',
        url: '/products',
        headers,
        payload: {
          name: 'Delta kite',
          category: 'kites',
          currency: 'EUR',
          basePrice: '49.90',
          variants: [{ sku: 'KITE-1' }, { sku: 'KITE-2', price: '0.10' }],
        },
      });
      assert.equal(created.statusCode, 201, created.body);
      const stored = await client.db().collection('products').findOne({ _id: created.json().id });
      assert.equal(stored?.basePrice.toString(), '49.90');
      assert.equal(stored?.minPrice.toString(), '0.10');
      assert.equal(stored?.maxPrice.toString(), '49.90');
      const ready = await platform.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200, ready.body);
    } finally {
      await client.close();
      await platform.dispose();
    }
  });
});
