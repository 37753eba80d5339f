import { AppError, type EventEnvelope } from '@polyshop/kernel';
import { duplicateKeyIndex, MongoOutbox, writeMark, type MongoConnection } from '@polyshop/stores';
import type { ClientSession, Collection, Document } from 'mongodb';
import { categoryUpdateRefused, type Category } from '../../domain/category.ts';
import { productsJson, type Product } from '../../domain/product.ts';
import type { ProductSearch } from '../../domain/product-query.ts';
import type { ProductPage, ProductRepository, RenderedProductPage } from '../../ports/product-repository.ts';
import { isWholeCategory } from '../../domain/facets.ts';
import { ensureCatalogIndexes, PRODUCT_INDEX } from './mongo-catalog-indexes.ts';
import { MongoFacetCounts, type Counted, type FacetCountDoc } from './mongo-facet-counts.ts';
import { facetCounts, facetPipeline, pageQuery } from './mongo-product-filters.ts';
import {
  categoryDoc,
  categoryFromDoc,
  decimalString,
  productDoc,
  productFields,
  productFromDoc,
  type CategoryDoc,
  type ProductDoc,
} from './mongo-product-mapper.ts';

/** The catalog's collections in the connection's database. */
export const CATALOG_COLLECTIONS = {
  products: 'products',
  categories: 'categories',
  outbox: 'outbox',
  facetCounts: 'facet_counts',
} as const;

/**
 * The catalogue on MongoDB (official driver): each product one document (`_id` = id, prices
 * `Decimal128`), categories in their own collection, events in the `outbox` collection through
 * `MongoOutbox` (one transaction where the server supports it, else outbox-first and reconciled).
 * Catalogue-wide uniqueness of slugs and SKUs comes from unique indexes (`variants.sku` multikey);
 * updates are a compare-and-set on `version`.
 */
export class MongoProductRepository implements ProductRepository {
  readonly outbox: MongoOutbox;
  readonly #products: Collection<ProductDoc>;
  readonly #categories: Collection<CategoryDoc>;
  readonly #facetCounts: MongoFacetCounts;

  constructor(connection: Pick<MongoConnection, 'client' | 'db' | 'supportsTransactions'>) {
    this.#products = connection.db.collection<ProductDoc>(CATALOG_COLLECTIONS.products);
    this.#categories = connection.db.collection<CategoryDoc>(CATALOG_COLLECTIONS.categories);
    this.#facetCounts = new MongoFacetCounts(
      connection.db.collection<FacetCountDoc>(CATALOG_COLLECTIONS.facetCounts),
    );
    this.outbox = new MongoOutbox(connection, CATALOG_COLLECTIONS.outbox);
  }

  /** Creates the collections' indexes and, the first time, the facet counts (idempotent; run at start-up). */
  async ensureIndexes(): Promise<void> {
    await ensureCatalogIndexes(this.#products, await this.listCategories());
    await this.outbox.ensureIndexes();
    await this.#facetCounts.ensure(this.#products);
  }

  async createCategory(category: Category): Promise<void> {
    try {
      await this.#categories.insertOne(categoryDoc(category));
    } catch (error) {
      if (duplicateKeyIndex(error) !== undefined) {
        throw AppError.conflict('CATEGORY.SLUG_TAKEN', `Category ${category.slug} already exists.`, {
          field: 'slug',
        });
      }
      throw error;
    }
  }

  async findCategory(slug: string): Promise<Category | undefined> {
    const doc = await this.#categories.findOne({ _id: slug });
    return doc ? categoryFromDoc(doc) : undefined;
  }

  async listCategories(): Promise<Category[]> {
    // binary string order: the code point order PostgreSQL's COLLATE "C" gives
    return (await this.#categories.find().sort({ _id: 1 }).toArray()).map(categoryFromDoc);
  }

  async updateCategory(category: Category, expectedVersion: number): Promise<void> {
    const { _id, createdAt, ...fields } = categoryDoc(category);
    const updated = await this.#categories.updateOne({ _id, version: expectedVersion }, { $set: fields });
    if (updated.matchedCount === 0) {
      throw categoryUpdateRefused(category.slug, await this.findCategory(category.slug));
    }
  }

  async create(product: Product, events: readonly EventEnvelope[]): Promise<void> {
    await this.createMany([product], events);
  }

  async createMany(products: readonly Product[], events: readonly EventEnvelope[]): Promise<void> {
    if (products.length === 0) return;
    // one product: name the SKU at fault up front; a batch (catalogue loads) relies on the unique index alone
    if (products.length === 1) await this.#refuseTakenSkus(products);
    await this.#counted([], products, (session) =>
      this.#translated(products, () =>
        this.outbox.write(events, this.#probe(products, events), async ({ writeId, session: tx }) => {
          try {
            await this.#products.insertMany(
              products.map((product) => productDoc(product, writeId)),
              { ordered: true, ...(tx ? { session: tx } : {}) },
            );
          } catch (error) {
            // all or nothing without a transaction: take back what this write inserted before the failure
            if (!tx)
              await this.#products.deleteMany({
                _id: { $in: products.map((product) => product.id) },
                writeIds: writeId,
              });
            throw error;
          }
          await session(tx);
        }),
      ),
    );
  }

  async findById(id: string): Promise<Product | undefined> {
    const doc = await this.#products.findOne({ _id: id });
    return doc ? productFromDoc(doc) : undefined;
  }

  async update(product: Product, expectedVersion: number, events: readonly EventEnvelope[]): Promise<void> {
    await this.#refuseTakenSkus([product]);
    const { brand, ...fields } = productFields(product);
    const before: Counted[] = [];
    await this.#counted(before, [product], (session) =>
      this.#translated([product], () =>
        this.outbox.write(
          events,
          { collection: CATALOG_COLLECTIONS.products, id: product.id },
          async ({ writeId, session: tx }) => {
            const previous = await this.#products.findOneAndUpdate(
              { _id: product.id, version: expectedVersion },
              {
                $set: brand === undefined ? fields : { ...fields, brand },
                ...(brand === undefined ? { $unset: { brand: '' } } : {}),
                ...writeMark(writeId),
              },
              {
                returnDocument: 'before',
                projection: { category: 1, status: 1, attributes: 1 },
                ...(tx ? { session: tx } : {}),
              },
            );
            if (!previous) return this.#refuseStale(product.id, expectedVersion);
            before.push(previous);
            await session(tx);
          },
        ),
      ),
    );
  }

  async search(search: ProductSearch): Promise<ProductPage> {
    const { filter, sort } = pageQuery(search);
    const pipeline = facetPipeline(search);
    const [docs, facets] = await Promise.all([
      this.#products
        .find(filter)
        .sort(sort)
        .limit(search.limit + 1)
        .toArray(),
      this.#facets(search, pipeline),
    ]);
    const page = docs.slice(0, search.limit);
    const result: ProductPage = { items: page.map(productFromDoc), facets };
    const last = page.at(-1);
    if (docs.length > search.limit && last) {
      const key =
        search.sort.field === 'price'
          ? decimalString(last.minPrice, last.currency)
          : search.sort.field === 'name'
            ? last.name
            : last.createdAt.toISOString();
      result.next = { key, id: last._id };
    }
    return result;
  }

  /** `search`'s page, rendered here: the documents come back as BSON, parsed whatever we do. */
  async searchJson(search: ProductSearch): Promise<RenderedProductPage> {
    const { items, ...page } = await this.search(search);
    return { ...page, itemsJson: productsJson(items) };
  }

  /** The whole category's facets from the maintained counts; a filtered page's by aggregation. */
  async #facets(search: ProductSearch, pipeline: Document[] | undefined): Promise<ProductPage['facets']> {
    if (pipeline && isWholeCategory(search.filter))
      return this.#facetCounts.read(search.filter.category, search.filter.statuses, search.facets);
    const result = pipeline
      ? await this.#products.aggregate<Record<string, { _id: string; count: number }[]>>(pipeline).next()
      : undefined;
    return facetCounts(search, result ?? undefined);
  }

  async findBySkus(skus: readonly string[]): Promise<Product[]> {
    if (skus.length === 0) return [];
    return (await this.#products.find({ 'variants.sku': { $in: [...skus] } }).toArray()).map(productFromDoc);
  }

  count(): Promise<number> {
    return this.#products.countDocuments({});
  }

  /**
   * Runs a product write and moves the facet counts from `before` to `after`: in the write's
   * transaction when there is one (`write` calls back with its session), else once the write is done.
   */
  async #counted(
    before: readonly Counted[],
    after: readonly Product[],
    write: (inTransaction: (session: ClientSession | undefined) => Promise<void>) => Promise<void>,
  ): Promise<void> {
    const added = after.map(({ category, status, attributes }) => ({ category, status, attributes }));
    let counted = false;
    await write(async (session) => {
      if (!session) return;
      await this.#facetCounts.apply(before, added, session);
      counted = true;
    });
    if (!counted) await this.#facetCounts.apply(before, added);
  }

  /** The document the outbox reconciler checks for a write: the events' product if it is one of them. */
  #probe(products: readonly Product[], events: readonly EventEnvelope[]): { collection: string; id: string } {
    const ids = new Set(products.map((product) => product.id));
    const id = events.find((event) => ids.has(event.aggregateId))?.aggregateId ?? products[0]!.id;
    return { collection: CATALOG_COLLECTIONS.products, id };
  }

  async #refuseStale(id: string, expectedVersion: number): Promise<never> {
    const current = await this.#products.findOne({ _id: id }, { projection: { version: 1 } });
    if (!current) throw AppError.notFound('PRODUCT.NOT_FOUND', `No product ${id}.`);
    throw new AppError(
      'precondition_failed',
      'PRODUCT.VERSION_MISMATCH',
      `Product ${id} is at version ${current.version}, not ${expectedVersion}.`,
      {
        field: 'If-Match',
        details: { currentVersion: current.version },
      },
    );
  }

  /** Turns duplicate-key errors (error 11000) into the conflicts the port names. */
  async #translated(products: readonly Product[], work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      const index = duplicateKeyIndex(error);
      if (index === PRODUCT_INDEX.slug) {
        const slug = products.length === 1 ? ` ${products[0]!.slug}` : '';
        throw AppError.conflict('PRODUCT.SLUG_TAKEN', `Another product already has the slug${slug}.`, {
          field: 'slug',
        });
      }
      if (index === PRODUCT_INDEX.sku) {
        // another product holds one (a batch is not checked up front), or a concurrent write took it after our check
        await this.#refuseTakenSkus(products);
        throw AppError.conflict('PRODUCT.SKU_TAKEN', 'Another product already has one of these SKUs.', {
          field: 'variants',
        });
      }
      if (index === '_id_')
        throw AppError.conflict('PRODUCT.ID_TAKEN', 'A product with this id already exists.', {
          field: 'id',
        });
      throw error;
    }
  }

  /** Names the first SKU another product holds (the unique index backs this up under races). */
  async #refuseTakenSkus(products: readonly Product[]): Promise<void> {
    const skus = products.flatMap((product) => product.variants.map((variant) => variant.sku));
    const holder = await this.#products.findOne(
      { 'variants.sku': { $in: skus }, _id: { $nin: products.map((product) => product.id) } },
      { projection: { 'variants.sku': 1 } },
    );
    if (!holder) return;
    const wanted = new Set(skus);
    const taken = holder.variants.find((variant) => wanted.has(variant.sku))!.sku;
    const index =
      products.length === 1 ? products[0]!.variants.findIndex((variant) => variant.sku === taken) : -1;
    throw AppError.conflict('PRODUCT.SKU_TAKEN', `SKU ${taken} belongs to another product.`, {
      field: index >= 0 ? `variants.${index}.sku` : 'variants',
      details: { sku: taken },
    });
  }
}
