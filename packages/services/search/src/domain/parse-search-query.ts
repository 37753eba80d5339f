import { AppError, Decimal } from '@polyshop/kernel';
import { decodeCursor } from './search-cursor.ts';
import {
  DEFAULT_LIMIT,
  FACET_FIELDS,
  HISTOGRAM_FIELDS,
  MAX_LIMIT,
  MAX_QUERY_LENGTH,
  SEARCH_SORTS,
  type FacetField,
  type HistogramField,
  type HistogramRequest,
  type SearchFilters,
  type SearchQuery,
  type SearchSort,
} from './search-query.ts';

/**
 * A search as a client sends it (HTTP query string, or the client's call): every value may be a
 * string. `category` and `brand` may repeat (any of them matches); `facets` is comma-separated.
 */
export interface SearchParams {
  q?: string;
  category?: string | string[];
  brand?: string | string[];
  inStock?: boolean | string;
  minPrice?: string;
  maxPrice?: string;
  facets?: string | string[];
  /** `field:interval`, e.g. `price:100`. */
  histogram?: string;
  sort?: string;
  limit?: number | string;
  cursor?: string;
}

const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;
const MAX_VALUE_LENGTH = 200;
// Control characters (NUL above all) cannot reach a text column; in a query they only mean noise.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- as above
const CONTROLS = /[\u0000-\u001f\u007f]/g;

function invalid(code: string, field: string, message: string): AppError {
  return AppError.invalidInput(code, message, { field });
}

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Exact-match values: empty ones are ignored (`category=` means no category filter). */
function terms(value: string | string[] | undefined, field: string): string[] | undefined {
  const values = list(value).filter((v) => v !== '');
  for (const v of values) {
    if (v.length > MAX_VALUE_LENGTH || CONTROL.test(v)) {
      throw invalid(
        'SEARCH.INVALID_FILTER',
        field,
        `${field} must be at most ${MAX_VALUE_LENGTH} printable characters.`,
      );
    }
  }
  return values.length ? [...new Set(values)].sort() : undefined;
}

function price(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > 40 || !DECIMAL.test(value)) {
    throw invalid('SEARCH.INVALID_PRICE', field, `${field} must be a non-negative decimal such as "199.99".`);
  }
  return new Decimal(value).toFixed();
}

function inStock(value: boolean | string | undefined): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid('SEARCH.INVALID_FILTER', 'inStock', 'inStock must be true or false.');
}

function facets(value: string | string[] | undefined): FacetField[] {
  const names = list(value)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(FACET_FIELDS as readonly string[]).includes(name)) {
      throw invalid(
        'SEARCH.UNKNOWN_FACET',
        'facets',
        `Unknown facet "${name.slice(0, 50)}"; facets are ${FACET_FIELDS.join(', ')}.`,
      );
    }
  }
  return [...new Set(names)] as FacetField[];
}

function histogram(value: string | undefined): HistogramRequest | undefined {
  if (value === undefined || value === '') return undefined;
  const match = /^([a-zA-Z]+):(.+)$/.exec(value);
  if (!match)
    throw invalid('SEARCH.INVALID_HISTOGRAM', 'histogram', 'histogram is field:interval, e.g. price:100.');
  const [, field, interval] = match as unknown as [string, string, string];
  if (!(HISTOGRAM_FIELDS as readonly string[]).includes(field)) {
    throw invalid(
      'SEARCH.INVALID_HISTOGRAM',
      'histogram',
      `Unknown histogram field "${field.slice(0, 50)}"; fields are ${HISTOGRAM_FIELDS.join(', ')}.`,
    );
  }
  if (interval.length > 40 || !DECIMAL.test(interval) || new Decimal(interval).isZero()) {
    throw invalid(
      'SEARCH.INVALID_HISTOGRAM',
      'histogram',
      'The histogram interval must be a positive decimal, e.g. price:100.',
    );
  }
  return { field: field as HistogramField, interval: new Decimal(interval).toFixed() };
}

function sort(value: string | undefined): SearchSort {
  if (value === undefined || value === '') return 'relevance';
  if (!(SEARCH_SORTS as readonly string[]).includes(value)) {
    throw invalid('SEARCH.UNKNOWN_SORT', 'sort', `sort must be one of ${SEARCH_SORTS.join(', ')}.`);
  }
  return value as SearchSort;
}

function limit(value: number | string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_LIMIT;
  const n = typeof value === 'number' ? value : /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw invalid('SEARCH.INVALID_LIMIT', 'limit', `limit must be an integer from 1 to ${MAX_LIMIT}.`);
  }
  return n;
}

/**
 * Validates a client's search into a `SearchQuery`. Every mistake is an `invalid_input` AppError
 * naming the field at fault (`limit`, `histogram`, `facets`, `sort`, `minPrice`, `cursor` …);
 * nothing a client sends can become a query error in the index.
 */
export function parseSearchQuery(params: SearchParams): SearchQuery {
  const q = (params.q ?? '').replace(CONTROLS, ' ').trim();
  if (q.length > MAX_QUERY_LENGTH) {
    throw invalid('SEARCH.QUERY_TOO_LONG', 'q', `q must be at most ${MAX_QUERY_LENGTH} characters.`);
  }
  const filters: SearchFilters = {};
  const categories = terms(params.category, 'category');
  if (categories) filters.categories = categories;
  const brands = terms(params.brand, 'brand');
  if (brands) filters.brands = brands;
  const stock = inStock(params.inStock);
  if (stock !== undefined) filters.inStock = stock;
  const minPrice = price(params.minPrice, 'minPrice');
  if (minPrice !== undefined) filters.minPrice = minPrice;
  const maxPrice = price(params.maxPrice, 'maxPrice');
  if (maxPrice !== undefined) filters.maxPrice = maxPrice;
  if (minPrice !== undefined && maxPrice !== undefined && new Decimal(minPrice).greaterThan(maxPrice)) {
    throw invalid('SEARCH.INVALID_PRICE_RANGE', 'minPrice', 'minPrice must not be greater than maxPrice.');
  }
  const query: SearchQuery = {
    q,
    filters,
    facets: facets(params.facets),
    sort: sort(params.sort),
    limit: limit(params.limit),
  };
  const hist = histogram(params.histogram);
  if (hist) query.histogram = hist;
  if (params.cursor !== undefined && params.cursor !== '') {
    query.cursor = params.cursor;
    decodeCursor(query);
  }
  return query;
}
