import { Decimal, Money } from '@polyshop/kernel';
import { Decimal128 } from 'mongodb';
import type { Category } from '../../domain/category.ts';
import {
  fromProductDocument,
  lowestPrice,
  toProductDocument,
  type Product,
  type ProductDocument,
  type VariantDocument,
} from '../../domain/product.ts';

/** A variant as stored: the domain's variant document, the price a `Decimal128`, never a double. */
export interface VariantDoc extends Omit<VariantDocument, 'price'> {
  price: Decimal128;
}

/**
 * A product in the `products` collection: the domain's product document (`ProductDocument`) with `_id`
 * for the id, prices as `Decimal128` (with the lowest and highest variant price beside them for
 * indexed sorting and range filters) and dates as dates; `writeIds` marks the latest writes (outbox
 * reconciliation, see `MongoOutbox`).
 */
export interface ProductDoc extends Omit<
  ProductDocument,
  'id' | 'basePrice' | 'variants' | 'createdAt' | 'updatedAt'
> {
  _id: string;
  basePrice: Decimal128;
  minPrice: Decimal128;
  maxPrice: Decimal128;
  variants: VariantDoc[];
  createdAt: Date;
  updatedAt: Date;
  writeIds?: string[];
}

/** A category in the `categories` collection: the domain's `Category` with the slug as `_id`. */
export interface CategoryDoc extends Omit<Category, 'slug'> {
  _id: string;
}

/** A plain decimal whose digits fit 64 bits (at most 19): every price. */
const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
/** `Decimal128`'s exponent bias. */
const EXPONENT_BIAS = 6176n;

/**
 * Exact: the decimal string goes to `Decimal128` digit for digit. A plain decimal of up to 19 digits
 * is encoded directly (its digits the coefficient, minus its fraction digits the exponent: the bytes
 * `Decimal128.fromString` makes, about ten times faster — a backfill encodes thousands a batch).
 */
export function toDecimal128(amount: Money | string): Decimal128 {
  const text = typeof amount === 'string' ? amount : amount.toDecimalString();
  const [, sign, whole, fraction = ''] = PLAIN_DECIMAL.exec(text) ?? [];
  if (whole === undefined || whole.length + fraction.length > 19) return Decimal128.fromString(text);
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(whole + fraction), true);
  const exponent = (EXPONENT_BIAS - BigInt(fraction.length)) << 49n;
  view.setBigUint64(8, sign ? exponent | (1n << 63n) : exponent, true);
  return new Decimal128(bytes);
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

/**
 * The stored fields of a product: all but `_id` and the write marks (inserted, or `$set` on update).
 * The shared mapping is the domain's (`toProductDocument`); only what MongoDB stores otherwise is here.
 */
export function productFields(product: Product): Omit<ProductDoc, '_id' | 'writeIds'> {
  const { id, basePrice, variants, createdAt, updatedAt, ...shared } = toProductDocument(product);
  const prices = product.variants.map((variant) => variant.price);
  const highest = prices.reduce((high, price) => (price.greaterThan(high) ? price : high), prices[0]!);
  return {
    ...shared,
    basePrice: toDecimal128(basePrice),
    minPrice: toDecimal128(lowestPrice(product)),
    maxPrice: toDecimal128(highest),
    variants: variants.map((variant) => ({ ...variant, price: toDecimal128(variant.price) })),
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
  };
}

export function productDoc(product: Product, writeId: string): ProductDoc {
  return { _id: product.id, ...productFields(product), writeIds: [writeId] };
}

/** The product of a stored document, through the domain's `fromProductDocument`. */
export function productFromDoc(doc: ProductDoc): Product {
  const { _id, basePrice, minPrice, maxPrice, variants, createdAt, updatedAt, writeIds, brand, ...shared } =
    doc;
  return fromProductDocument({
    ...shared,
    id: _id,
    basePrice: decimalString(basePrice, doc.currency),
    variants: variants.map((variant) => ({ ...variant, price: decimalString(variant.price, doc.currency) })),
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
    // an older document may hold a null brand
    ...(brand !== undefined && brand !== null ? { brand } : {}),
  });
}

export function categoryDoc({ slug, ...fields }: Category): CategoryDoc {
  return { _id: slug, ...fields };
}

export function categoryFromDoc({ _id, ...fields }: CategoryDoc): Category {
  return {
    slug: _id,
    ...fields,
    // documents written before these existed
    variantAttributes: fields.variantAttributes ?? [],
    allowFreeAttributes: fields.allowFreeAttributes ?? false,
  };
}
