import { Decimal, Money } from '@polyshop/kernel';
import { Decimal128 } from 'mongodb';
import type { AttributeDefinition } from '../../domain/attribute-definition.ts';
import type { Attributes, Specifications } from '../../domain/attribute-values.ts';
import type { Category } from '../../domain/category.ts';
import { lowestPrice, type Product, type ProductStatus, type Variant } from '../../domain/product.ts';

/** A variant as stored: the price a `Decimal128`, never a double. */
export interface VariantDoc {
  sku: string;
  attributes: Attributes;
  price: Decimal128;
  weight?: string;
}

/**
 * A product in the `products` collection: `_id` is the product id; prices are `Decimal128`, with the
 * lowest and highest variant price beside them for indexed sorting and range filters; `writeIds`
 * marks the latest writes (outbox reconciliation, see `MongoOutbox`).
 */
export interface ProductDoc {
  _id: string;
  name: string;
  slug: string;
  category: string;
  brand?: string;
  description: string;
  currency: string;
  basePrice: Decimal128;
  minPrice: Decimal128;
  maxPrice: Decimal128;
  attributes: Attributes;
  variants: VariantDoc[];
  specifications: Specifications;
  status: ProductStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  writeIds?: string[];
}

/** A category in the `categories` collection; `_id` is the slug. Attribute definitions are data. */
export interface CategoryDoc {
  _id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
  variantAttributes: AttributeDefinition[];
  allowFreeAttributes: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Exact: the decimal string goes to `Decimal128` digit for digit. */
export function toDecimal128(amount: Money | string): Decimal128 {
  return Decimal128.fromString(typeof amount === 'string' ? amount : amount.toDecimalString());
}

/**
 * Back to money with the currency's minor digits, as the PostgreSQL adapter returns it (`Decimal128` may
 * print an exponent).
 */
export function moneyFrom(value: Decimal128, currency: string): Money {
  return Money.of(new Decimal(value.toString()), currency);
}

/** A stored price as the plain decimal string cursors carry ("129800", "0.10"). */
export function decimalString(value: Decimal128, currency: string): string {
  return moneyFrom(value, currency).toDecimalString();
}

/** The stored fields of a product: all but `_id` and the write marks (inserted, or `$set` on update). */
export function productFields(product: Product): Omit<ProductDoc, '_id' | 'writeIds'> {
  const prices = product.variants.map((variant) => variant.price);
  const highest = prices.reduce((high, price) => (price.greaterThan(high) ? price : high), prices[0]!);
  const fields: Omit<ProductDoc, '_id' | 'writeIds'> = {
    name: product.name,
    slug: product.slug,
    category: product.category,
    description: product.description,
    currency: product.currency,
    basePrice: toDecimal128(product.basePrice),
    minPrice: toDecimal128(lowestPrice(product)),
    maxPrice: toDecimal128(highest),
    attributes: product.attributes,
    variants: product.variants.map(variantDoc),
    specifications: product.specifications,
    status: product.status,
    version: product.version,
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
  };
  if (product.brand !== undefined) fields.brand = product.brand;
  return fields;
}

export function productDoc(product: Product, writeId: string): ProductDoc {
  return { _id: product.id, ...productFields(product), writeIds: [writeId] };
}

function variantDoc(variant: Variant): VariantDoc {
  const doc: VariantDoc = {
    sku: variant.sku,
    attributes: variant.attributes,
    price: toDecimal128(variant.price),
  };
  if (variant.weight !== undefined) doc.weight = variant.weight;
  return doc;
}

export function productFromDoc(doc: ProductDoc): Product {
  const product: Product = {
    id: doc._id,
    name: doc.name,
    slug: doc.slug,
    category: doc.category,
    description: doc.description,
    currency: doc.currency,
    basePrice: moneyFrom(doc.basePrice, doc.currency),
    attributes: doc.attributes,
    variants: doc.variants.map((variant) => {
      const built: Variant = {
        sku: variant.sku,
        attributes: variant.attributes,
        price: moneyFrom(variant.price, doc.currency),
      };
      if (variant.weight !== undefined) built.weight = variant.weight;
      return built;
    }),
    specifications: doc.specifications,
    status: doc.status,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
  if (doc.brand !== undefined && doc.brand !== null) product.brand = doc.brand;
  return product;
}

export function categoryDoc(category: Category): CategoryDoc {
  return {
    _id: category.slug,
    name: category.name,
    description: category.description,
    attributes: category.attributes,
    variantAttributes: category.variantAttributes,
    allowFreeAttributes: category.allowFreeAttributes,
    version: category.version,
    createdAt: category.createdAt,
    updatedAt: category.updatedAt,
  };
}

export function categoryFromDoc(doc: CategoryDoc): Category {
  return {
    slug: doc._id,
    name: doc.name,
    description: doc.description,
    attributes: doc.attributes,
    variantAttributes: doc.variantAttributes ?? [],
    allowFreeAttributes: doc.allowFreeAttributes ?? false,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
