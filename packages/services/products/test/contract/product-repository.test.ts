import {
  ferretDbTarget,
  mongoTarget,
  postgresTargets,
  unsupportedReason,
  type ServerTarget,
} from '@polyshop/testing';
import type { MongoConnection } from '@polyshop/stores';
import type { EventEnvelope } from '@polyshop/kernel';
import {
  migrateCatalog,
  PostgresProductRepository,
} from '../../src/adapters/postgres/postgres-product-repository.ts';
import { MongoProductRepository } from '../../src/adapters/mongodb/mongo-product-repository.ts';
import { productRepositoryContract, type ProductRepositoryFixture } from './product-repository.contract.ts';

for (const target of postgresTargets()) {
  productRepositoryContract(
    `PostgreSQL (${target.name})`,
    async () => {
      const db = await target.open();
      await migrateCatalog(db);
      return {
        repository: new PostgresProductRepository(db),
        async recordedEvents() {
          const rows = await db.query<{ envelope: EventEnvelope }>(
            'SELECT envelope FROM catalog.outbox ORDER BY seq',
          );
          return rows.map((row) => row.envelope);
        },
        async schemaFingerprint() {
          const columns = await db.query(
            `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'catalog' ORDER BY 1, 2`,
          );
          const indexes = await db.query(
            `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'catalog' ORDER BY 1`,
          );
          const migrations = await db.query('SELECT version FROM catalog.schema_migrations ORDER BY 1');
          return JSON.stringify({ columns, indexes, migrations });
        },
        close: () => target.close(db),
      };
    },
    { skip: target.skip },
  );
}

/** The contract on a MongoDB wire-protocol server: a fresh database, the indexes made as at start-up. */
function mongoFixture(server: ServerTarget<MongoConnection>): () => Promise<ProductRepositoryFixture> {
  return async () => {
    const opened = await server.open();
    const { db } = opened.connection;
    const repository = new MongoProductRepository(opened.connection);
    await repository.ensureIndexes();
    return {
      repository,
      async recordedEvents() {
        const documents = await repository.outbox.collection
          .find({ status: { $ne: 'pending' } })
          .sort({ seq: 1 })
          .toArray();
        return documents.map((document) => document.envelope);
      },
      async schemaFingerprint() {
        const collections = (await db.listCollections({}, { nameOnly: true }).toArray())
          .map((collection) => collection.name)
          .sort();
        const indexes = await Promise.all(
          collections.map(async (name) => [
            name,
            (await db.collection(name).listIndexes().toArray()).map((index) => [
              index.name,
              index.key,
              index.unique ?? false,
            ]),
          ]),
        );
        return JSON.stringify(indexes);
      },
      close: () => server.close(opened),
    };
  };
}

const mongo = mongoTarget();
productRepositoryContract(`MongoDB (${mongo.name})`, mongoFixture(mongo), { skip: mongo.skip });

// FerretDB has no Decimal128 (every product's prices), no $facet and no atomic conditional updates: the cases
// that need them are marked unsupported there (no double fallback for prices).
const ferret = ferretDbTarget();
const ferretCapabilities = ferret.skip ? undefined : await ferret.capabilities();
productRepositoryContract(`FerretDB (${ferret.name})`, mongoFixture(ferret), {
  skip: ferret.skip,
  unsupported: (features) =>
    ferretCapabilities ? unsupportedReason(ferret.product, ferretCapabilities, features) : false,
});
