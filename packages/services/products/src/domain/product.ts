import { AppError, Money } from '@polyshop/kernel';
import {
  isPlainObject,
  validateAttributes,
  validateSpecifications,
  type Attributes,
  type Specifications,
} from './attribute-values.ts';
import type { Category } from './category.ts';
import { mergePatch } from './merge-patch.ts';

export const PRODUCT_STATUSES = ['draft', 'active', 'archived'] as const;
/** `draft` (being prepared), `active` (on sale), `archived` (withdrawn; DELETE archives). */
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

/** One purchasable form of a product; its SKU is unique across the whole catalogue. */
export interface Variant {
  sku: string;
  /** Values of the category's variant attributes (`{ storage: "256GB", color: "Blue Titanium" }`). */
  attributes: Attributes;
  price: Money;
  /** Shipping weight as written (`"187g"`, `"1.2kg"`). */
  weight?: string;
}

/** A product as the domain sees it: a document with exact prices in one currency. */
export interface Product {
  id: string;
  name: string;
  slug: string;
  category: string;
  brand?: string;
  description: string;
  currency: string;
  basePrice: Money;
  attributes: Attributes;
  variants: Variant[];
  specifications: Specifications;
  status: ProductStatus;
  /** Starts at 1, +1 on every change; the HTTP ETag. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A variant on the wire and in events: the price is a decimal string in the product's currency. */
export interface VariantDocument {
  sku: string;
  attributes: Attributes;
  price: string;
  weight?: string;
}

/**
 * A product as the API returns it and as `product.*` events carry it: prices are decimal strings
 * in `currency`, timestamps ISO 8601.
 */
export interface ProductDocument {
  id: string;
  name: string;
  slug: string;
  category: string;
  brand?: string;
  description: string;
  currency: string;
  basePrice: string;
  attributes: Attributes;
  variants: VariantDocument[];
  specifications: Specifications;
  status: ProductStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface VariantInput {
  sku: string;
  attributes?: Record<string, unknown>;
  /** Defaults to the product's basePrice. */
  price?: string;
  weight?: string;
}

/** What a client sends to create a product. */
export interface ProductInput {
  name: string;
  /** Defaults to the name, slugified. */
  slug?: string;
  category: string;
  brand?: string;
  description?: string;
  currency: string;
  basePrice: string;
  attributes?: Record<string, unknown>;
  variants: VariantInput[];
  specifications?: Record<string, unknown>;
  /** Defaults to `draft`. */
  status?: ProductStatus;
}

/**
 * A product change. Top-level fields replace; `attributes` and `specifications` are JSON merge
 * patches (`null` removes a key); `variants` replaces the whole list; `brand: null` removes the brand.
 */
export interface ProductPatch {
  name?: string;
  slug?: string;
  category?: string;
  brand?: string | null;
  description?: string;
  currency?: string;
  basePrice?: string;
  attributes?: Record<string, unknown>;
  variants?: VariantInput[];
  specifications?: Record<string, unknown>;
  status?: ProductStatus;
}

export const PRODUCT_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const WEIGHT = /^\d+(?:\.\d+)?\s?(?:mg|g|kg|oz|lb)$/;
const MAX_VARIANTS = 200;

/** Builds a valid product from client input, checked against its category (400 naming the field). */
export function buildProduct(
  input: ProductInput,
  category: Category,
  identity: { id: string; version: number; createdAt: Date; updatedAt: Date },
): Product {
  const currency = input.currency;
  const basePrice = Money.parse(input.basePrice, currency, 'basePrice');
  if (basePrice.isNegative())
    throw AppError.invalidInput('PRODUCT.NEGATIVE_PRICE', 'Prices cannot be negative.', {
      field: 'basePrice',
    });
  const name = text(input.name, 'name', 200);
  const slug = input.slug ?? slugify(name);
  if (!PRODUCT_SLUG.test(slug) || slug.length > 160) {
    throw AppError.invalidInput(
      'PRODUCT.INVALID_SLUG',
      'A slug is lowercase letters, digits and single dashes.',
      { field: 'slug' },
    );
  }
  if (!Array.isArray(input.variants) || input.variants.length === 0) {
    throw AppError.invalidInput(
      'PRODUCT.VARIANTS_REQUIRED',
      'A product has at least one variant (its SKU is what orders reference).',
      { field: 'variants' },
    );
  }
  if (input.variants.length > MAX_VARIANTS) {
    throw AppError.invalidInput(
      'PRODUCT.TOO_MANY_VARIANTS',
      `A product has at most ${MAX_VARIANTS} variants.`,
      { field: 'variants' },
    );
  }
  const skus = new Set<string>();
  const variants = input.variants.map((variant, index) => {
    const at = `variants.${index}`;
    if (!isPlainObject(variant))
      throw AppError.invalidInput('PRODUCT.INVALID_VARIANT', 'A variant is an object.', { field: at });
    if (typeof variant.sku !== 'string' || !SKU.test(variant.sku)) {
      throw AppError.invalidInput('PRODUCT.INVALID_SKU', 'A SKU is 1-64 letters, digits, ".", "_" or "-".', {
        field: `${at}.sku`,
      });
    }
    if (skus.has(variant.sku))
      throw AppError.invalidInput('PRODUCT.DUPLICATE_SKU', `SKU ${variant.sku} appears twice.`, {
        field: `${at}.sku`,
      });
    skus.add(variant.sku);
    const price =
      variant.price === undefined ? basePrice : Money.parse(variant.price, currency, `${at}.price`);
    if (price.isNegative())
      throw AppError.invalidInput('PRODUCT.NEGATIVE_PRICE', 'Prices cannot be negative.', {
        field: `${at}.price`,
      });
    const built: Variant = {
      sku: variant.sku,
      attributes: validateAttributes(variant.attributes, category.variantAttributes, {
        field: `${at}.attributes`,
        allowFree: category.allowFreeAttributes,
      }),
      price,
    };
    if (variant.weight !== undefined) {
      if (typeof variant.weight !== 'string' || !WEIGHT.test(variant.weight)) {
        throw AppError.invalidInput(
          'PRODUCT.INVALID_WEIGHT',
          'A weight is a number and a unit: "187g", "1.2kg", "8oz".',
          { field: `${at}.weight` },
        );
      }
      built.weight = variant.weight;
    }
    return built;
  });
  const status = input.status ?? 'draft';
  if (!(PRODUCT_STATUSES as readonly string[]).includes(status)) {
    throw AppError.invalidInput(
      'PRODUCT.INVALID_STATUS',
      `Status is one of ${PRODUCT_STATUSES.join(', ')}.`,
      { field: 'status' },
    );
  }
  const product: Product = {
    id: identity.id,
    name,
    slug,
    category: category.slug,
    description: input.description === undefined ? '' : text(input.description, 'description', 20_000, true),
    currency: basePrice.currency,
    basePrice,
    attributes: validateAttributes(input.attributes, category.attributes, {
      field: 'attributes',
      allowFree: category.allowFreeAttributes,
    }),
    variants,
    specifications: validateSpecifications(input.specifications),
    status,
    version: identity.version,
    createdAt: identity.createdAt,
    updatedAt: identity.updatedAt,
  };
  if (input.brand !== undefined) product.brand = text(input.brand, 'brand', 120);
  return product;
}

/** Applies a patch to a product and re-validates the whole result against its (maybe new) category. */
export function patchProduct(product: Product, patch: ProductPatch, category: Category, now: Date): Product {
  const current = toProductDocument(product);
  const input: ProductInput = {
    name: patch.name ?? current.name,
    slug: patch.slug ?? current.slug,
    category: category.slug,
    description: patch.description ?? current.description,
    currency: patch.currency ?? current.currency,
    basePrice: patch.basePrice ?? current.basePrice,
    attributes: (patch.attributes === undefined
      ? current.attributes
      : mergePatch(current.attributes, patch.attributes)) as Record<string, unknown>,
    variants: patch.variants ?? current.variants,
    specifications: (patch.specifications === undefined
      ? current.specifications
      : mergePatch(current.specifications, patch.specifications)) as Record<string, unknown>,
    status: patch.status ?? current.status,
  };
  const brand = patch.brand === undefined ? current.brand : patch.brand;
  if (brand !== null && brand !== undefined) input.brand = brand;
  return buildProduct(input, category, {
    id: product.id,
    version: product.version + 1,
    createdAt: product.createdAt,
    updatedAt: now,
  });
}

/** The lowest variant price: what price sorting orders on. */
export function lowestPrice(product: Pick<Product, 'variants'>): Money {
  return product.variants.reduce(
    (low, variant) => (variant.price.lessThan(low) ? variant.price : low),
    product.variants[0]!.price,
  );
}

export function toProductDocument(product: Product): ProductDocument {
  const document: ProductDocument = {
    id: product.id,
    name: product.name,
    slug: product.slug,
    category: product.category,
    description: product.description,
    currency: product.currency,
    basePrice: product.basePrice.toDecimalString(),
    attributes: product.attributes,
    variants: product.variants.map(toVariantDocument),
    specifications: product.specifications,
    status: product.status,
    version: product.version,
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
  };
  if (product.brand !== undefined) document.brand = product.brand;
  return document;
}

/** Products as the API's JSON array of documents. */
export function productsJson(products: readonly Product[]): string {
  return JSON.stringify(products.map(toProductDocument));
}

export function toVariantDocument(variant: Variant): VariantDocument {
  const document: VariantDocument = {
    sku: variant.sku,
    attributes: variant.attributes,
    price: variant.price.toDecimalString(),
  };
  if (variant.weight !== undefined) document.weight = variant.weight;
  return document;
}

/** Rebuilds a product from its stored document (trusted: it was validated on write). */
export function fromProductDocument(document: ProductDocument): Product {
  const product: Product = {
    id: document.id,
    name: document.name,
    slug: document.slug,
    category: document.category,
    description: document.description,
    currency: document.currency,
    basePrice: Money.of(document.basePrice, document.currency),
    attributes: document.attributes,
    variants: document.variants.map((variant) => {
      const built: Variant = {
        sku: variant.sku,
        attributes: variant.attributes,
        price: Money.of(variant.price, document.currency),
      };
      if (variant.weight !== undefined) built.weight = variant.weight;
      return built;
    }),
    specifications: document.specifications,
    status: document.status,
    version: document.version,
    createdAt: new Date(document.createdAt),
    updatedAt: new Date(document.updatedAt),
  };
  if (document.brand !== undefined) product.brand = document.brand;
  return product;
}

/** "iPhone 15 Pro" → "iphone-15-pro" (accents dropped). */
export function slugify(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 160)
    .replace(/-+$/, '');
}

function text(value: unknown, field: string, max: number, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value.trim() === '') || value.length > max) {
    throw AppError.invalidInput(
      'PRODUCT.INVALID_FIELD',
      `${field} must be ${allowEmpty ? 'a' : 'a non-empty'} string of at most ${max} characters.`,
      { field },
    );
  }
  return allowEmpty ? value : value.trim();
}
