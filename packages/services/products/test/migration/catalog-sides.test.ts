import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@polyshop/kernel';
import type { MigrationRecord, MigrationSide } from '@polyshop/migration';
import type { MongoConnection, SqlDatabase } from '@polyshop/stores';
import { mongoTarget, postgresTargets } from '@polyshop/testing';
import { canonicalOf, scanAll } from '@polyshop/migration/testing';
import { MongoCatalogSide } from '../../src/adapters/migration/mongo-catalog-side.ts';
import { PostgresCatalogSide } from '../../src/adapters/migration/postgres-catalog-side.ts';
import { MongoProductRepository } from '../../src/adapters/mongodb/mongo-product-repository.ts';
import {
  migrateCatalog,
  PostgresProductRepository,
} from '../../src/adapters/postgres/postgres-product-repository.ts';
import type { ProductsDeps } from '../../src/app/products-deps.ts';
import { createCategory } from '../../src/app/manage-categories.ts';
import { searchProducts } from '../../src/app/read-products.ts';
import { archiveProduct, createProduct, updateProduct } from '../../src/app/write-products.ts';
import type { Product } from '../../src/domain/product.ts';
import type { ProductRepository } from '../../src/ports/product-repository.ts';
import { aGadget, aSku, gadgetsCategory } from '../contract/catalog-builders.ts';

/** One store of the catalogue in a test: its repository (for users' writes and reads) and its side. */
interface CatalogStore {
  name: string;
  repository: ProductRepository;
  side: MigrationSide;
  close(): Promise<void>;
}

async function openPostgres(target: ReturnType<typeof postgresTargets>[number]): Promise<CatalogStore> {
  const db: SqlDatabase = await target.open();
  await migrateCatalog(db);
  return {
    name: target.name,
    repository: new PostgresProductRepository(db),
    side: new PostgresCatalogSide(db),
    close: () => target.close(db),
  };
}

async function openMongo(): Promise<CatalogStore> {
  const server = mongoTarget();
  const opened = await server.open();
  const connection: MongoConnection = opened.connection;
  const repository = new MongoProductRepository(connection);
  await repository.ensureIndexes();
  return {
    name: 'mongodb',
    repository,
    side: new MongoCatalogSide(connection),
    close: () => server.close(opened),
  };
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Both catalogue sides of the migration engine, against each other on real stores: what one scans,
 * the other stores so that both canonical forms are equal, and the target's own repository then
 * serves it (reads, searches and facet counts) as if it had been written there.
 */
const mongo = mongoTarget();
for (const target of postgresTargets()) {
  describe(`catalogue migration sides: ${target.name} ⇄ mongodb`, { skip: target.skip || mongo.skip }, () => {
    let pg: CatalogStore;
    let mg: CatalogStore;
    let deps: ProductsDeps;
    let created: Product[] = [];
    const clock = new ManualClock(new Date('2026-05-01T10:00:00.000Z'));
    before(async () => {
      [pg, mg] = await Promise.all([openPostgres(target), openMongo()]);
      deps = { repository: pg.repository, clock };
      await createCategory(deps, gadgetsCategory('gadgets'));
      await createCategory(deps, gadgetsCategory('accessories'));
      created = [];
      for (let i = 0; i < 7; i++) {
        clock.advance(1000);
        created.push(
          await createProduct(
            deps,
            aGadget(
              {
                basePrice: `${100 + i}.05`,
                attributes: {
                  storage: i % 2 ? ['64GB', '128GB'] : ['256GB'],
                  color: `C${i % 3}`,
                  tier: 'pro',
                },
                variants: [
                  { sku: aSku(), attributes: { storage: i % 2 ? '64GB' : '256GB' }, price: `${100 + i}.05` },
                ],
              },
              i < 5 ? 'gadgets' : 'accessories',
            ),
          ),
        );
      }
      clock.advance(1000);
      created[1] = await updateProduct(deps, created[1]!.id, { name: 'Renamed gadget' }, 1);
      created[2] = await archiveProduct(deps, created[2]!.id, 1);
    });
    after(async () => {
      await Promise.all([pg?.close(), mg?.close()]);
    });

    it('scans each kind in key order, in pages, with versions; reads by key; counts', async () => {
      const products = await scanAll(pg.side, 'products');
      assert.deepEqual(
        products.map((record) => record.key),
        created.map((product) => product.id).sort(byCodePoint),
      );
      assert.deepEqual(products.find((record) => record.key === created[1]!.id)?.version, 2);
      assert.deepEqual(
        (await scanAll(pg.side, 'categories')).map((record) => record.key),
        ['accessories', 'gadgets'],
      );
      const read = await pg.side.read('products', [
        created[3]!.id,
        created[0]!.id,
        '00000000-0000-7000-8000-000000000000',
      ]);
      assert.deepEqual(
        read.map((record) => record.key).sort(byCodePoint),
        [created[0]!.id, created[3]!.id].sort(byCodePoint),
      );
      assert.equal(await pg.side.count('products'), 7);
      assert.equal(await pg.side.count('categories'), 2);
    });

    for (const direction of ['postgres → mongodb', 'mongodb → postgres'] as const) {
      it(`${direction}: a copy is canonically equal and the target's repository serves it, facets included`, async () => {
        const [source, destination] = direction === 'postgres → mongodb' ? [pg, mg] : [mg, pg];
        for (const kind of source.side.kinds) {
          const records = await scanAll(source.side, kind);
          const written = await destination.side.upsertIfNewer(kind, records);
          assert.equal(written.length, direction === 'postgres → mongodb' ? records.length : 0);
          assert.deepEqual(
            canonicalOf(destination.side, kind, await scanAll(destination.side, kind)),
            canonicalOf(source.side, kind, records),
          );
        }
        const again = await destination.repository.findById(created[1]!.id);
        assert.equal(again?.name, 'Renamed gadget');
        const query = {
          category: 'gadgets',
          limit: '50',
          status: 'active,archived',
        };
        const [fromSource, fromDestination] = await Promise.all([
          searchProducts({ repository: source.repository, clock }, query),
          searchProducts({ repository: destination.repository, clock }, query),
        ]);
        assert.ok((fromSource.facets['color'] ?? []).length > 0, 'the category page has colour facets');
        assert.deepEqual(fromDestination.facets, fromSource.facets);
        assert.deepEqual(
          fromDestination.items.map((item) => item.id),
          fromSource.items.map((item) => item.id),
        );
      });
    }

    it('never overwrites a newer record with an older one; `force` does; remove and drop delete', async () => {
      const [current] = await pg.side.read('products', [created[1]!.id]);
      const older: MigrationRecord = {
        ...current!,
        version: current!.version - 1,
        body: { ...(current!.body as Product), name: 'Stale snapshot', version: current!.version - 1 },
      };
      for (const side of [pg.side, mg.side]) {
        assert.deepEqual(await side.upsertIfNewer('products', [older]), []);
        assert.equal(
          ((await side.read('products', [current!.key]))[0]!.body as Product).name,
          (current!.body as Product).name,
        );
        assert.deepEqual(await side.upsertIfNewer('products', [older], { force: true }), [current!.key]);
        assert.equal(
          ((await side.read('products', [current!.key]))[0]!.body as Product).name,
          'Stale snapshot',
        );
        // held older: written by version; then held as new: left
        assert.deepEqual(await side.upsertIfNewer('products', [current!]), [current!.key]);
        assert.deepEqual(await side.upsertIfNewer('products', [current!]), []);
        assert.equal(
          ((await side.read('products', [current!.key]))[0]!.body as Product).name,
          (current!.body as Product).name,
        );
        await side.remove('products', [current!.key]);
        assert.deepEqual(await side.read('products', [current!.key]), []);
      }
      // the target's facet counts followed the removal
      const counts = await Promise.all(
        [pg, mg].map((store) =>
          searchProducts({ repository: store.repository, clock }, { category: 'gadgets', limit: '1' }),
        ),
      );
      assert.deepEqual(counts[1]!.facets, counts[0]!.facets);
      await mg.side.drop();
      assert.deepEqual([await mg.side.count('products'), await mg.side.count('categories')], [0, 0]);
    });
  });
}
