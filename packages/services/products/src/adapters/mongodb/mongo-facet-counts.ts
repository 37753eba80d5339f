import {
  MongoBulkWriteError,
  type AnyBulkWriteOperation,
  type ClientSession,
  type Collection,
} from 'mongodb';
import { byCountThenValue, facetEntries } from '../../domain/facets.ts';
import type { FacetCount, FacetRequest, FilterScalar } from '../../domain/product-query.ts';
import type { ProductDoc } from './mongo-product-mapper.ts';

/**
 * A document of the `facet_counts` collection: how many products of a category and status hold an
 * attribute value (`element`: as an element of a list attribute). `_id` is the key as JSON.
 */
export interface FacetCountDoc {
  _id: string;
  category: string;
  status: string;
  attribute: string;
  element: boolean;
  value: FilterScalar;
  count: number;
}

/** What a product contributes to the counts. */
export type Counted = Pick<ProductDoc, 'category' | 'status' | 'attributes'>;

/** Present once the counts cover every product (after the first rebuild): until then nothing reads them. */
const COMPLETE: FacetCountDoc = {
  _id: '#complete',
  category: '',
  status: '',
  attribute: '',
  element: false,
  value: '',
  count: 0,
};

const DUPLICATE_KEY = 11000;

/**
 * Facet counts per category, status, attribute and value, kept on every product write (the
 * MongoDB side of PostgreSQL's `catalog.facet_counts`): the whole-category page reads a few dozen
 * documents instead of aggregating every product of the category. With transactions the counters
 * change in the product write's transaction; without (mongo-java-server) right after it, so a
 * process that dies in between leaves them off until they are rebuilt (`rebuild`).
 */
export class MongoFacetCounts {
  readonly #counts: Collection<FacetCountDoc>;

  constructor(counts: Collection<FacetCountDoc>) {
    this.#counts = counts;
  }

  /** Its index, and the counts rebuilt from the products when they were never complete. */
  async ensure(products: Collection<ProductDoc>): Promise<void> {
    await this.#counts.createIndex(
      { category: 1, status: 1, attribute: 1 },
      { name: 'facet_counts_category' },
    );
    if (!(await this.#counts.findOne({ _id: COMPLETE._id }))) await this.rebuild(products);
  }

  /** Recounts every product (start-up of a catalogue that had none, or repair after a crash mid-write). */
  async rebuild(products: Collection<ProductDoc>): Promise<void> {
    await this.#counts.deleteMany({});
    const totals = new Map<string, FacetCountDoc>();
    const cursor = products.find({}, { projection: { category: 1, status: 1, attributes: 1 } });
    for await (const product of cursor) addTo(totals, product, 1);
    const documents = [...totals.values()];
    for (let start = 0; start < documents.length; start += 1000)
      await this.#counts.insertMany(documents.slice(start, start + 1000));
    await this.#counts.insertOne(COMPLETE);
  }

  /** Takes `removed` products out of the counts and puts `added` in (an update passes both). */
  async apply(
    removed: readonly Counted[],
    added: readonly Counted[],
    session?: ClientSession,
  ): Promise<void> {
    const deltas = new Map<string, FacetCountDoc>();
    for (const product of removed) addTo(deltas, product, -1);
    for (const product of added) addTo(deltas, product, 1);
    // in key order, so two writers meet shared counters in the same order
    const operations = [...deltas.values()]
      .filter((delta) => delta.count !== 0)
      .sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
      .map<AnyBulkWriteOperation<FacetCountDoc>>(({ _id, count, ...key }) => ({
        updateOne: { filter: { _id }, update: { $inc: { count }, $setOnInsert: key }, upsert: true },
      }));
    if (operations.length === 0) return;
    const options = session ? { ordered: false, session } : { ordered: false };
    try {
      await this.#counts.bulkWrite(operations, options);
    } catch (error) {
      // two writers inserted the same new counter at once: the loser's increments go again, now as updates
      if (!(error instanceof MongoBulkWriteError) || session) throw error;
      const failed = [error.writeErrors].flat();
      if (failed.length === 0 || failed.some((failure) => failure.code !== DUPLICATE_KEY)) throw error;
      await this.#counts.bulkWrite(
        failed.map((failure) => operations[failure.index]!),
        options,
      );
    }
  }

  /** The facets of a whole category in these statuses, most frequent value first. */
  async read(
    category: string,
    statuses: readonly string[],
    facets: readonly FacetRequest[],
  ): Promise<Record<string, FacetCount[]>> {
    const documents = await this.#counts
      .find({
        category,
        status: { $in: [...statuses] },
        attribute: { $in: facets.map((facet) => facet.name) },
      })
      .toArray();
    const multiValued = new Map(facets.map((facet) => [facet.name, facet.multiValued]));
    const sums = new Map<string, { attribute: string; value: FilterScalar; count: number }>();
    for (const document of documents) {
      if (multiValued.get(document.attribute) !== document.element) continue;
      const key = JSON.stringify([document.attribute, document.value]);
      const sum = sums.get(key) ?? { attribute: document.attribute, value: document.value, count: 0 };
      sum.count += document.count;
      sums.set(key, sum);
    }
    const result: Record<string, FacetCount[]> = {};
    for (const facet of facets) result[facet.name] = [];
    for (const { attribute, value, count } of sums.values())
      if (count > 0) result[attribute]!.push({ value, count });
    for (const counts of Object.values(result)) counts.sort(byCountThenValue);
    return result;
  }
}

function addTo(deltas: Map<string, FacetCountDoc>, product: Counted, sign: 1 | -1): void {
  for (const { attribute, element, value } of facetEntries(product.attributes)) {
    const _id = JSON.stringify([product.category, product.status, attribute, element, value]);
    const delta = deltas.get(_id);
    if (delta) delta.count += sign;
    else
      deltas.set(_id, {
        _id,
        category: product.category,
        status: product.status,
        attribute,
        element,
        value,
        count: sign,
      });
  }
}
