import type { Collection, IndexDescription } from 'mongodb';
import type { Category } from '../../domain/category.ts';
import type { ProductDoc } from './mongo-product-mapper.ts';

/** Names of the unique indexes whose violations become conflicts. */
export const PRODUCT_INDEX = { slug: 'products_slug', sku: 'products_variants_sku' } as const;

/**
 * The products collection's indexes: catalogue-wide unique slug and SKU (a unique multikey index on
 * `variants.sku`), category/status and brand filters, "any variant price in range"
 * (`variants.price`, multikey), and one `(sort key, _id)` keyset index per sort.
 */
const PRODUCT_INDEXES: IndexDescription[] = [
  { key: { slug: 1 }, name: PRODUCT_INDEX.slug, unique: true },
  { key: { 'variants.sku': 1 }, name: PRODUCT_INDEX.sku, unique: true },
  { key: { category: 1, status: 1 }, name: 'products_category_status' },
  { key: { brand: 1 }, name: 'products_brand' },
  { key: { 'variants.price': 1 }, name: 'products_variant_price' },
  { key: { minPrice: 1, _id: 1 }, name: 'products_price_keyset' },
  { key: { name: 1, _id: 1 }, name: 'products_name_keyset' },
  { key: { createdAt: 1, _id: 1 }, name: 'products_created_keyset' },
];

/** Attributes and specifications of any shape: one wildcard index each (MongoDB 4.2+). */
const WILDCARD_INDEXES: IndexDescription[] = [
  { key: { 'attributes.$**': 1 }, name: 'products_attributes_wildcard' },
  { key: { 'specifications.$**': 1 }, name: 'products_specifications_wildcard' },
];

/**
 * Creates the catalog's indexes; safe to run at every start. Attribute and specification filters
 * use wildcard indexes where the server has them; where it refuses them, a compound
 * `(category, attributes.<name>)` index is made for each filterable attribute of the categories
 * known now (a category added later gets its indexes at the next start: queries never depend on
 * them, they only go faster).
 */
export async function ensureCatalogIndexes(
  products: Collection<ProductDoc>,
  categories: readonly Category[],
): Promise<void> {
  await products.createIndexes(PRODUCT_INDEXES);
  try {
    await products.createIndexes(WILDCARD_INDEXES);
  } catch {
    // The server refuses wildcard indexes (FerretDB, mongo-java-server): per-attribute indexes instead.
    const perAttribute = categories.flatMap((category) =>
      category.attributes
        .filter((attribute) => attribute.filterable)
        .map<IndexDescription>((attribute) => ({
          key: { category: 1, [`attributes.${attribute.name}`]: 1 },
          name: `products_${category.slug}_${attribute.name}`.slice(0, 120),
        })),
    );
    if (perAttribute.length > 0) await products.createIndexes(perAttribute);
  }
}
