import { AppError, Decimal, isCurrency } from '@polyshop/kernel';
import type { AttributeDefinition } from './attribute-definition.ts';
import { SPEC_KEY } from './attribute-values.ts';
import type { Category } from './category.ts';
import { decodeCursor } from './cursor.ts';
import { PRODUCT_STATUSES, type ProductStatus } from './product.ts';
import {
  DEFAULT_SORT,
  SORT_FIELDS,
  type AttributeFilter,
  type FilterScalar,
  type ProductSearch,
  type ProductSort,
  type SortField,
  type SpecificationFilter,
} from './product-query.ts';

/** A query string as parsed by the HTTP layer: repeated keys give arrays. */
export type RawQuery = Record<string, string | string[] | undefined>;

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
const KNOWN = new Set([
  'category',
  'brand',
  'status',
  'currency',
  'minPrice',
  'maxPrice',
  'sort',
  'limit',
  'cursor',
]);
const PRICE = /^(0|[1-9]\d*)(\.\d+)?$/;

/**
 * Turns `GET /products` query parameters into a store-neutral search. `category` is the loaded
 * category named by `?category=` (the caller resolves it). Every bad name or value is a 400 naming
 * the parameter (`attr.wheels`), so nothing malformed ever reaches a store.
 */
export function parseProductSearch(raw: RawQuery, category: Category | undefined): ProductSearch {
  const attributes: AttributeFilter[] = [];
  const specifications: SpecificationFilter[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || KNOWN.has(key)) continue;
    if (key.startsWith('attr.')) attributes.push(attributeFilter(key, values(raw, key), category));
    else if (key.startsWith('spec.')) specifications.push(specificationFilter(key, value));
    else throw AppError.invalidInput('PRODUCT.UNKNOWN_FILTER', `Unknown filter "${key}".`, { field: key });
  }
  const sort = parseSort(single(raw, 'sort'));
  const limit = parseLimit(single(raw, 'limit'));
  const search: ProductSearch = {
    filter: { statuses: parseStatuses(raw), attributes, specifications },
    sort,
    limit,
    facets: (category?.attributes ?? [])
      .filter((definition) => definition.facet)
      .map((definition) => ({ name: definition.name, multiValued: definition.type === 'list' })),
  };
  const { filter } = search;
  if (category) filter.category = category.slug;
  const brands = values(raw, 'brand');
  if (brands.length) filter.brands = brands;
  const currency = single(raw, 'currency');
  if (currency !== undefined) {
    if (!isCurrency(currency))
      throw AppError.invalidInput(
        'PRODUCT.INVALID_FILTER_VALUE',
        `"${String(currency)}" is not an ISO 4217 currency.`,
        { field: 'currency' },
      );
    filter.currency = currency;
  }
  const minPrice = priceBound(raw, 'minPrice');
  const maxPrice = priceBound(raw, 'maxPrice');
  if (minPrice !== undefined && maxPrice !== undefined && new Decimal(minPrice).greaterThan(maxPrice)) {
    throw AppError.invalidInput('PRODUCT.INVALID_FILTER_VALUE', 'minPrice is above maxPrice.', {
      field: 'minPrice',
    });
  }
  if (minPrice !== undefined) filter.minPrice = minPrice;
  if (maxPrice !== undefined) filter.maxPrice = maxPrice;
  const cursor = single(raw, 'cursor');
  if (cursor !== undefined && cursor !== '') search.after = decodeCursor(cursor, sort);
  return search;
}

function attributeFilter(key: string, given: string[], category: Category | undefined): AttributeFilter {
  const name = key.slice('attr.'.length);
  if (!category) {
    throw AppError.invalidInput(
      'PRODUCT.FILTER_NEEDS_CATEGORY',
      `Attribute filters need ?category= (attributes belong to a category): ${key}.`,
      { field: key },
    );
  }
  const definition = category.attributes.find((candidate) => candidate.name === name);
  if (!definition) {
    throw AppError.invalidInput(
      'PRODUCT.UNKNOWN_FILTER',
      `Category ${category.slug} has no attribute "${name}".`,
      { field: key },
    );
  }
  if (!definition.filterable) {
    throw AppError.invalidInput(
      'PRODUCT.UNKNOWN_FILTER',
      `Attribute "${name}" of ${category.slug} is not filterable.`,
      { field: key },
    );
  }
  if (given.length === 0)
    throw AppError.invalidInput('PRODUCT.INVALID_FILTER_VALUE', `${key} needs a value.`, { field: key });
  return {
    name,
    multiValued: definition.type === 'list',
    values: given.map((value) => typedValue(definition, value, key)),
  };
}

function typedValue(definition: AttributeDefinition, value: string, key: string): FilterScalar {
  const fail = (expected: string): never => {
    throw AppError.invalidInput(
      'PRODUCT.INVALID_FILTER_VALUE',
      `${key} takes ${expected} (got "${value}").`,
      { field: key },
    );
  };
  switch (definition.type) {
    case 'number': {
      const number = Number(value);
      return value.trim() !== '' && Number.isFinite(number) ? number : fail('numbers');
    }
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : fail('true or false');
    case 'enum':
    case 'list':
      return !definition.values || definition.values.includes(value)
        ? value
        : fail(`values among ${definition.values.join(', ')}`);
    case 'string':
      return value;
  }
}

function specificationFilter(key: string, value: string | string[]): SpecificationFilter {
  const path = key.slice('spec.'.length).split('.');
  if (path.length > 8 || !path.every((segment) => SPEC_KEY.test(segment))) {
    throw AppError.invalidInput(
      'PRODUCT.UNKNOWN_FILTER',
      `"${key}" is not a specification path (spec.camera.main).`,
      { field: key },
    );
  }
  const given = (Array.isArray(value) ? value : [value]).filter((item) => item !== '');
  if (given.length === 0)
    throw AppError.invalidInput('PRODUCT.INVALID_FILTER_VALUE', `${key} needs a value.`, { field: key });
  const readings = given.flatMap((item): FilterScalar[] => {
    const typed: FilterScalar[] = [item];
    if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(item)) typed.push(Number(item));
    if (item === 'true' || item === 'false') typed.push(item === 'true');
    return typed;
  });
  return { path, values: readings };
}

function parseStatuses(raw: RawQuery): ProductStatus[] {
  const given = values(raw, 'status');
  if (given.length === 0) return ['active'];
  if (given.length === 1 && given[0] === 'any') return [...PRODUCT_STATUSES];
  for (const status of given) {
    if (!(PRODUCT_STATUSES as readonly string[]).includes(status)) {
      throw AppError.invalidInput(
        'PRODUCT.INVALID_FILTER_VALUE',
        `status is any or a list of ${PRODUCT_STATUSES.join(', ')}.`,
        { field: 'status' },
      );
    }
  }
  return [...new Set(given)] as ProductStatus[];
}

/** `price`, `-price`, `name`, `-name`, `createdAt`, `-createdAt`. */
export function parseSort(value: string | undefined): ProductSort {
  if (value === undefined || value === '') return DEFAULT_SORT;
  const direction = value.startsWith('-') ? 'desc' : 'asc';
  const field = value.replace(/^-/, '');
  if (!(SORT_FIELDS as readonly string[]).includes(field)) {
    throw AppError.invalidInput(
      'PRODUCT.INVALID_SORT',
      `sort is one of ${SORT_FIELDS.flatMap((f) => [f, `-${f}`]).join(', ')}.`,
      { field: 'sort' },
    );
  }
  return { field: field as SortField, direction };
}

function parseLimit(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_LIMIT;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw AppError.invalidInput('PRODUCT.INVALID_LIMIT', `limit is an integer from 1 to ${MAX_LIMIT}.`, {
      field: 'limit',
    });
  }
  return limit;
}

function priceBound(raw: RawQuery, key: string): string | undefined {
  const value = single(raw, key);
  if (value === undefined || value === '') return undefined;
  if (!PRICE.test(value))
    throw AppError.invalidInput(
      'PRODUCT.INVALID_FILTER_VALUE',
      `${key} is a decimal amount such as 199.99.`,
      { field: key },
    );
  return value;
}

/** All values of a parameter: repeated keys and comma-separated lists, empty items dropped. */
function values(raw: RawQuery, key: string): string[] {
  const value = raw[key];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value])
    .flatMap((item) => item.split(','))
    .filter((item) => item !== '');
}

function single(raw: RawQuery, key: string): string | undefined {
  const value = raw[key];
  if (Array.isArray(value)) {
    if (value.length > 1)
      throw AppError.invalidInput('PRODUCT.INVALID_FILTER_VALUE', `${key} is given more than once.`, {
        field: key,
      });
    return value[0];
  }
  return value;
}
