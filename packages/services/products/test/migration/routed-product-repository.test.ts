import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, type EventEnvelope } from '@polyshop/kernel';
import {
  MigrationRouter,
  MigrationStateStore,
  Mirror,
  WriteGate,
  type MigrationSide,
  type Phase,
} from '@polyshop/migration';
import type { MongoConnection, SqlDatabase } from '@polyshop/stores';
import { mongoTarget, postgresTargets } from '@polyshop/testing';
import { MongoCatalogSide } from '../../src/adapters/migration/mongo-catalog-side.ts';
import { PostgresCatalogSide } from '../../src/adapters/migration/postgres-catalog-side.ts';
import {
  RoutedProductRepository,
  type CatalogRoute,
} from '../../src/adapters/migration/routed-product-repository.ts';
import { MongoProductRepository } from '../../src/adapters/mongodb/mongo-product-repository.ts';
import {
  migrateCatalog,
  PostgresProductRepository,
} from '../../src/adapters/postgres/postgres-product-repository.ts';
import type { ProductsDeps } from '../../src/app/products-deps.ts';
import { createCategory } from '../../src/app/manage-categories.ts';
import { createProduct, updateProduct } from '../../src/app/write-products.ts';
import type { Product } from '../../src/domain/product.ts';
import type { ProductRepository } from '../../src/ports/product-repository.ts';
import { aGadget, gadgetsCategory } from '../contract/catalog-builders.ts';

const SERVICE = 'products';

/**
 * The catalogue's repository during a move from PostgreSQL to MongoDB, on real stores, with the
 * engine's real router, write gate and mirror over a real control store: writes go to the phase's
 * source of truth (its outbox records the event) and are copied to the other store; reads follow
 * the phase; a failing mirror never fails the write and lands in the repair log.
 */
const mongo = mongoTarget();
for (const target of postgresTargets()) {
  describe(
    `routed catalogue repository: ${target.name} → mongodb`,
    { skip: target.skip || mongo.skip },
    () => {
      let db: SqlDatabase;
      let opened: { connection: MongoConnection; namespace: string };
      let state: MigrationStateStore;
      let router: MigrationRouter;
      let sides: Record<'from' | 'to', MigrationSide>;
      let mongoRepository: MongoProductRepository;
      let deps: ProductsDeps;
      const clock = new ManualClock(new Date('2026-06-01T08:00:00.000Z'));

      before(async () => {
        db = await target.open();
        opened = await mongo.open();
        await migrateCatalog(db);
        await MigrationStateStore.migrate(db);
        mongoRepository = new MongoProductRepository(opened.connection);
        await mongoRepository.ensureIndexes();
        state = new MigrationStateStore(db);
        router = new MigrationRouter({
          state,
          service: SERVICE,
          configuredStore: 'postgres',
          refreshMs: 60_000,
        });
        await router.start();
        const gate = new WriteGate({ router, state, service: SERVICE, pollMs: 10 });
        sides = { from: new PostgresCatalogSide(db), to: new MongoCatalogSide(opened.connection) };
        const mirrors = {
          from: new Mirror({ state, service: SERVICE, primary: sides.from, mirror: sides.to }),
          to: new Mirror({ state, service: SERVICE, primary: sides.to, mirror: sides.from }),
        };
        const route: CatalogRoute = {
          begin: () => gate.begin(),
          routing: () => gate.routing(),
          mirror: async (routing, kind, keys) => void (await mirrors[routing.primary].copy(kind, keys)),
        };
        const repositories: Record<string, ProductRepository> = {
          postgres: new PostgresProductRepository(db),
          mongodb: mongoRepository,
        };
        const repository = new RoutedProductRepository((store) => repositories[store]!, route);
        deps = { repository, clock };
      });
      after(async () => {
        await router?.stop();
        if (opened) await mongo.close(opened);
        if (db) await target.close(db);
      });

      /** Moves the migration to `phase`, one phase at a time, and lets this process apply it. */
      async function moveTo(phase: Phase): Promise<void> {
        for (let current = (await state.require(SERVICE)).phase; current !== phase;) {
          current = (await state.advance(SERVICE, current)).phase;
        }
        await router.refresh();
      }
      const pgEvents = async (id: string) =>
        (
          await db.query<{ envelope: EventEnvelope }>(
            'SELECT envelope FROM catalog.outbox WHERE aggregate_id = $1 ORDER BY seq',
            [id],
          )
        ).map((row) => row.envelope.type);
      const mongoEvents = async (id: string) =>
        (
          await mongoRepository.outbox.collection
            .find({ aggregateId: id, status: { $ne: 'pending' } })
            .sort({ seq: 1 })
            .toArray()
        ).map((document) => document.envelope.type);
      const nameIn = async (side: MigrationSide, id: string) =>
        ((await side.read('products', [id]))[0]?.body as Product | undefined)?.name;

      it('with no migration, everything stays on the configured store', async () => {
        await createCategory(deps, gadgetsCategory('gadgets'));
        const product = await createProduct(deps, aGadget());
        assert.equal(await nameIn(sides.from, product.id), product.name);
        assert.equal(await nameIn(sides.to, product.id), undefined);
      });

      it('dual-write: the old store is written first with the event, the new store gets a copy; reads stay old', async () => {
        await state.start(SERVICE, 'postgres', 'mongodb');
        await router.refresh();
        // the category existed before: only the backfill would copy it; a category write is mirrored
        await sides.to.upsertIfNewer('categories', await sides.from.read('categories', ['gadgets']));
        const product = await createProduct(deps, aGadget());
        assert.equal(await nameIn(sides.to, product.id), product.name);
        assert.deepEqual(await pgEvents(product.id), ['product.created']);
        assert.deepEqual(await mongoEvents(product.id), []);
        await sides.to.upsertIfNewer(
          'products',
          [{ key: product.id, version: 9, body: { ...product, name: 'only in mongodb', version: 9 } }],
          {
            force: true,
          },
        );
        assert.equal((await deps.repository.findById(product.id))?.name, product.name);
      });

      it('read-switch: reads come from the new store; writes still go old first', async () => {
        const product = await createProduct(deps, aGadget());
        await moveTo('read-switch');
        await sides.to.upsertIfNewer(
          'products',
          [{ key: product.id, version: 1, body: { ...product, name: 'read from mongodb' } }],
          {
            force: true,
          },
        );
        assert.equal((await deps.repository.findById(product.id))?.name, 'read from mongodb');
        await sides.to.upsertIfNewer('products', await sides.from.read('products', [product.id]), {
          force: true,
        });
        clock.advance(1000);
        const updated = await updateProduct(deps, product.id, { name: 'Renamed during read-switch' }, 1);
        assert.equal(await nameIn(sides.from, product.id), updated.name);
        assert.equal(await nameIn(sides.to, product.id), updated.name);
        assert.deepEqual(await pgEvents(product.id), ['product.created', 'product.updated']);
      });

      it('write-switch: the new store is the source of truth and records the event; the old one gets the copy', async () => {
        await moveTo('write-switch');
        const product = await createProduct(deps, aGadget());
        assert.deepEqual(await mongoEvents(product.id), ['product.created']);
        assert.deepEqual(await pgEvents(product.id), []);
        assert.equal(await nameIn(sides.from, product.id), product.name);
      });

      it('a mirror that fails does not fail the write: the key goes to the repair log', async () => {
        await db.query(
          'ALTER TABLE catalog.products ADD CONSTRAINT reject_for_test CHECK (name <> $$Unmirrorable$$) NOT VALID',
        );
        try {
          const product = await createProduct(deps, aGadget({ name: 'Unmirrorable' }));
          assert.equal(await nameIn(sides.to, product.id), 'Unmirrorable');
          assert.equal(await nameIn(sides.from, product.id), undefined);
          const repairs = await state.repairs.list(SERVICE, 10);
          assert.deepEqual(
            repairs.map((repair) => [repair.kind, repair.key]),
            [['products', product.id]],
          );
        } finally {
          await db.query('ALTER TABLE catalog.products DROP CONSTRAINT reject_for_test');
        }
      });
    },
  );
}
