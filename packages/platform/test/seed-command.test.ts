import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { EventEnvelope } from '@polyshop/kernel';
import { generateProducts, type ProductsClient } from '@polyshop/products';
import { eventually, postgresTargets } from '@polyshop/testing';
import { createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import { DEMO_STOCK, seedCatalogue, seedDemoIfEmpty, stockCatalogue } from '../src/cli/seed-command.ts';

const run = promisify(execFile);

for (const target of postgresTargets()) {
  describe(`seeding the demo catalogue on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    const created: EventEnvelope[] = [];
    before(async () => {
      platform = await createTestPlatform({
        target: target.name,
        services: ['users', 'products', 'inventory'],
      });
      await platform.bus.subscribe({
        consumer: 'test.seed',
        types: ['product.created'],
        handler: async (event) => void created.push(event),
      });
    });
    after(() => platform?.dispose());

    it('loads exactly the generated catalogue, records its events, and refuses a second load', async () => {
      const result = await seedCatalogue(platform, {
        products: 120,
        seed: 5,
        batchSize: 50,
        progress: false,
      });
      assert.equal(result.products, 120);
      const client = platform.client('products');
      const slugs: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<ProductsClient['listProducts']>> = await client.listProducts({
          cursor,
          limit: 100,
        });
        slugs.push(...page.items.map((item) => item.slug));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(
        slugs.sort(),
        generateProducts(5, 120)
          .map((product) => product.slug)
          .sort(),
      );
      await eventually(() => created.length >= 120, { message: '120 product.created events' });
      assert.equal(created.length, 120);
      await assert.rejects(seedCatalogue(platform, { products: 1, progress: false }), {
        code: 'CATALOG.NOT_EMPTY',
      });
      await seedDemoIfEmpty(platform, true);
      assert.equal(
        await platform.module('products')!.deps.repository.count(),
        120,
        '--seed leaves a filled catalogue alone',
      );
    });

    it('stocks every variant of the catalogue for the demo', async () => {
      const stocked = await stockCatalogue(platform, DEMO_STOCK);
      const skus = generateProducts(5, 120).flatMap((product) =>
        product.variants.map((variant) => variant.sku),
      );
      assert.equal(stocked, skus.length);
      const levels = await platform.client('inventory').getStock(skus.slice(0, 50));
      assert.equal(levels.length, 50);
      assert.ok(levels.every((level) => level.quantity === DEMO_STOCK && level.available === DEMO_STOCK));
    });
  });
}

describe('polyshop seed (process)', () => {
  const bin = fileURLToPath(new URL('../bin/polyshop.mjs', import.meta.url));

  it('seeds an empty PGlite catalogue, then refuses a non-empty one with a clear message', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'polyshop-seed-'));
    const env = { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '' };
    const first = await run(
      process.execPath,
      [bin, 'seed', '--products', '25', '--seed', '3', '--data-dir', dataDir],
      { env },
    );
    assert.match(first.stdout, /seeded 25 products \(seed 3\)/);
    const second = await run(process.execPath, [bin, 'seed', '--products', '5', '--data-dir', dataDir], {
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    assert.equal((second as { code: number }).code, 1);
    assert.match((second as { stderr: string }).stderr, /already holds 25 products/);
  });
});
