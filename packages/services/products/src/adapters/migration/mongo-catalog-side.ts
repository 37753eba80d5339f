import type { MigrationRecord, MigrationSide, UpsertOptions } from '@polyshop/migration';
import { bulkWriteSkippingTaken, duplicateKeyIndex, type MongoConnection } from '@polyshop/stores';
import type { AnyBulkWriteOperation, Collection, Filter, OptionalId } from 'mongodb';
import type { Category } from '../../domain/category.ts';
import type { Product } from '../../domain/product.ts';
import { MongoFacetCounts, type Counted, type FacetCountDoc } from '../mongodb/mongo-facet-counts.ts';
import {
  categoryDoc,
  categoryFromDoc,
  productFields,
  productFromDoc,
  type CategoryDoc,
  type ProductDoc,
} from '../mongodb/mongo-product-mapper.ts';
import { CATALOG_COLLECTIONS } from '../mongodb/mongo-product-repository.ts';
import {
  CATALOG_KINDS,
  canonicalCatalogRecord,
  catalogKind,
  categoryRecord,
  productRecordOf,
} from './catalog-migration-kinds.ts';

const COUNTED = { category: 1, status: 1, attributes: 1 } as const;

/** What a product adds to the facet counts. */
const countedOf = (product: Product): Counted => ({
  category: product.category,
  status: product.status,
  attributes: product.attributes,
});

/**
 * The catalogue in MongoDB as the migration engine reads and writes it: `_id` order (binary, the same
 * code-point order as PostgreSQL's), writes by version without events, and the facet counts moved
 * with every product written, as the repository moves them.
 *
 * A write by version is a replace filtered on `version < new` with upsert: when the stored document
 * is as new or newer, the filter misses and the upsert's insert meets the `_id` index, which means
 * "skip this one".
 * A batch is first inserted in one bulk write (a backfill's usual case: the target holds none of it),
 * the facet counts of those inserted added in one more; the records whose `_id` was taken are then
 * written by version one at a time.
 */
export class MongoCatalogSide implements MigrationSide {
  readonly store = 'mongodb';
  readonly kinds = CATALOG_KINDS;
  readonly #products: Collection<ProductDoc>;
  readonly #categories: Collection<CategoryDoc>;
  readonly #facetCounts: MongoFacetCounts;
  readonly #counts: Collection<FacetCountDoc>;

  constructor(connection: Pick<MongoConnection, 'db'>) {
    this.#products = connection.db.collection<ProductDoc>(CATALOG_COLLECTIONS.products);
    this.#categories = connection.db.collection<CategoryDoc>(CATALOG_COLLECTIONS.categories);
    this.#counts = connection.db.collection<FacetCountDoc>(CATALOG_COLLECTIONS.facetCounts);
    this.#facetCounts = new MongoFacetCounts(this.#counts);
  }

  async scan(kind: string, after: string | undefined, limit: number): Promise<MigrationRecord[]> {
    const filter = after === undefined ? {} : { _id: { $gt: after } };
    if (catalogKind(kind) === 'categories') {
      const docs = await this.#categories.find(filter).sort({ _id: 1 }).limit(limit).toArray();
      return docs.map((doc) => categoryRecord(categoryFromDoc(doc)));
    }
    const docs = await this.#products.find(filter).sort({ _id: 1 }).limit(limit).toArray();
    return docs.map((doc) => productRecordOf(productFromDoc(doc)));
  }

  async lastKey(kind: string): Promise<string | undefined> {
    const last = (options: { projection: { _id: 1 }; sort: { _id: -1 } }) =>
      catalogKind(kind) === 'categories'
        ? this.#categories.findOne({}, options)
        : this.#products.findOne({}, options);
    return (await last({ projection: { _id: 1 }, sort: { _id: -1 } }))?._id;
  }

  async read(kind: string, keys: readonly string[]): Promise<MigrationRecord[]> {
    if (keys.length === 0) return [];
    const filter = { _id: { $in: [...keys] } };
    if (catalogKind(kind) === 'categories') {
      return (await this.#categories.find(filter).toArray()).map((doc) =>
        categoryRecord(categoryFromDoc(doc)),
      );
    }
    return (await this.#products.find(filter).toArray()).map((doc) => productRecordOf(productFromDoc(doc)));
  }

  async upsertIfNewer(
    kind: string,
    records: readonly MigrationRecord[],
    options: UpsertOptions = {},
  ): Promise<string[]> {
    const categories = catalogKind(kind) === 'categories';
    const inserted = categories
      ? await this.#insertAbsent(this.#categories, records, (record) => categoryDoc(record.body as Category))
      : await this.#insertAbsent(this.#products, records, (record) => ({
          _id: record.key,
          ...productFields(record.body as Product),
        }));
    if (!categories) {
      const added = records.filter((record) => inserted.has(record.key)).map((r) => r.body as Product);
      await this.#facetCounts.apply([], added.map(countedOf));
    }
    const written = new Set(inserted);
    const taken = records.filter((record) => !inserted.has(record.key));
    // held as new or newer (a batch copied again): skipped on one read of the held versions
    const held =
      options.force || taken.length === 0
        ? new Map<string, number>()
        : categories
          ? await this.#heldVersions(this.#categories, taken)
          : await this.#heldVersions(this.#products, taken);
    for (const record of taken) {
      if ((held.get(record.key) ?? -Infinity) >= record.version) continue;
      const filter = options.force
        ? { _id: record.key }
        : { _id: record.key, version: { $lt: record.version } };
      try {
        if (categories) {
          const { _id, ...fields } = categoryDoc(record.body as Category);
          await this.#categories.replaceOne(filter, fields, { upsert: true });
        } else {
          await this.#replaceProduct(filter, record.body as Product);
        }
        written.add(record.key);
      } catch (error) {
        // the stored document is as new or newer: the upsert's insert met its `_id`
        if (duplicateKeyIndex(error) !== '_id_') throw error;
      }
    }
    return records.filter((record) => written.has(record.key)).map((record) => record.key);
  }

  /**
   * Inserts the records in one bulk write and resolves to the keys of those inserted: a backfill's
   * usual case is a target holding none of a batch (one round trip per batch, on the `_id` index
   * alone, with no read before it). A record whose document exists — copied before, or written live
   * meanwhile — is refused on its `_id` and left out, for the write by version one at a time, which
   * moves the facet counts from the document it replaces.
   */
  async #insertAbsent<T extends { _id: string }>(
    collection: Collection<T>,
    records: readonly MigrationRecord[],
    toDoc: (record: MigrationRecord) => T,
  ): Promise<Set<string>> {
    const { taken } = await bulkWriteSkippingTaken(
      collection,
      records.map((record): AnyBulkWriteOperation<T> => ({
        insertOne: { document: toDoc(record) as OptionalId<T> },
      })),
    );
    return new Set(records.filter((_, index) => !taken.has(index)).map((record) => record.key));
  }

  /** The versions the target holds of these records (a stored version only grows). */
  async #heldVersions<T extends { _id: string; version: number }>(
    collection: Collection<T>,
    records: readonly MigrationRecord[],
  ): Promise<Map<string, number>> {
    const keys = records.map((record) => record.key);
    const docs = await collection
      .find({ _id: { $in: keys } } as Filter<T>, { projection: { version: 1 } })
      .toArray();
    return new Map(docs.map((doc) => [doc._id, doc.version]));
  }

  async remove(kind: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const filter = { _id: { $in: [...keys] } };
    if (catalogKind(kind) === 'categories') {
      await this.#categories.deleteMany(filter);
      return;
    }
    const removed = await this.#products.find(filter, { projection: COUNTED }).toArray();
    await this.#products.deleteMany(filter);
    await this.#facetCounts.apply(removed, []);
  }

  count(kind: string): Promise<number> {
    return catalogKind(kind) === 'categories'
      ? this.#categories.countDocuments({})
      : this.#products.countDocuments({});
  }

  canonical(kind: string, body: unknown): unknown {
    return canonicalCatalogRecord(kind, body);
  }

  async drop(): Promise<void> {
    await this.#products.deleteMany({});
    await this.#categories.deleteMany({});
    await this.#counts.deleteMany({});
  }

  /** Replaces (or inserts) a product document and moves the facet counts from the old one to it. */
  async #replaceProduct(filter: Record<string, unknown>, product: Product): Promise<void> {
    const before = await this.#products.findOneAndReplace(filter, productFields(product), {
      upsert: true,
      returnDocument: 'before',
      projection: COUNTED,
    });
    await this.#facetCounts.apply(before ? [before] : [], [countedOf(product)]);
  }
}
