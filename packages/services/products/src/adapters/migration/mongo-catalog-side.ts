import type { MigrationRecord, MigrationSide, UpsertOptions } from '@polyshop/migration';
import { duplicateKeyIndex, type MongoConnection } from '@polyshop/stores';
import type { Collection } from 'mongodb';
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

/**
 * The catalogue in MongoDB as the migration engine reads and writes it: `_id` order (binary, the same
 * code-point order as PostgreSQL's), writes by version without events, and the facet counts moved
 * with every product written, as the repository moves them.
 *
 * A write by version is a replace filtered on `version < new` with upsert: when the stored document
 * is as new or newer, the filter misses and the upsert's insert meets the `_id` index, which means
 * "skip this one".
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
    const written: string[] = [];
    for (const record of records) {
      const filter = options.force
        ? { _id: record.key }
        : { _id: record.key, version: { $lt: record.version } };
      try {
        if (catalogKind(kind) === 'categories') {
          const { _id, ...fields } = categoryDoc(record.body as Category);
          await this.#categories.replaceOne(filter, fields, { upsert: true });
        } else {
          await this.#replaceProduct(filter, record.body as Product);
        }
        written.push(record.key);
      } catch (error) {
        // the stored document is as new or newer: the upsert's insert met its `_id`
        if (duplicateKeyIndex(error) !== '_id_') throw error;
      }
    }
    return written;
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
    const after: Counted = {
      category: product.category,
      status: product.status,
      attributes: product.attributes,
    };
    await this.#facetCounts.apply(before ? [before] : [], [after]);
  }
}
