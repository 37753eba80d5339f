import type { Client } from '@opensearch-project/opensearch';
import { AppError, Decimal } from '@polyshop/kernel';
import { MAX_LIMIT, MAX_RELEVANCE_OFFSET } from '../../domain/search-query.ts';

/**
 * Prices are indexed as whole multiples of 10^-4 (`price_scaled`, a `long`): exact for every ISO 4217
 * currency (none has more than four minor digits), so filters, sorts and histogram bounds never go
 * through a float. The decimal string itself is kept in `_source` (`price`) and returned as is.
 */
export const PRICE_SCALE = 4;
const LONG_MAX = new Decimal('9223372036854775807');

/** The index names (aliases) of one search index set, all under one prefix. */
export interface SearchIndexNames {
  /** One document per product ever seen: searchable ones and tombstones. */
  products: string;
  /** One document per SKU: its last known available units and the products listing it. */
  skuStock: string;
  /** Events each consumer handled (`<consumer>:<event id>`). */
  inbox: string;
}

export function searchIndexNames(prefix: string): SearchIndexNames {
  return { products: `${prefix}-products`, skuStock: `${prefix}-sku-stock`, inbox: `${prefix}-inbox` };
}

/**
 * A product as the products index stores it (snake_case: storage only). A removed product is a
 * tombstone: `searchable: false`, its version, no content, so an older event cannot bring it back.
 */
export interface StoredProduct {
  id: string;
  /** The catalog's version (a field, not OpenSearch's `_version`: stock updates rewrite documents too). */
  version: number;
  searchable: boolean;
  slug?: string;
  name?: string;
  brand?: string | null;
  category?: string;
  description?: string;
  currency?: string;
  /** The exact decimal string (what hits show). */
  price?: string;
  /** `price × 10^PRICE_SCALE` as a decimal integer string (what queries use). */
  price_scaled?: string;
  skus: string[];
  in_stock: boolean;
  /** Set on every searchable product when a rebuild starts; a content write clears it (see `opensearch-rebuild.ts`). */
  rebuild_pending?: string;
}

/** `value × 10^PRICE_SCALE`, rounded towards `rounding` when `value` has more digits than the scale. */
export function scaledPrice(value: string, rounding: 'floor' | 'ceil' | 'exact' = 'exact'): Decimal {
  const scaled = new Decimal(value).times(new Decimal(10).pow(PRICE_SCALE));
  if (rounding === 'floor') return scaled.floor();
  if (rounding === 'ceil') return scaled.ceil();
  if (!scaled.isInteger() || scaled.greaterThan(LONG_MAX)) {
    throw AppError.invalidInput('SEARCH.INVALID_PRODUCT', `Price ${value} cannot be indexed exactly.`, {
      field: 'price',
    });
  }
  return scaled;
}

/** True when `scaled` fits the `long` field (a larger bound matches every price or none). */
export function fitsLong(scaled: Decimal): boolean {
  return scaled.lessThanOrEqualTo(LONG_MAX);
}

/**
 * Relevance from the product and the query alone (boost × √term frequency ÷ √field length), like
 * PostgreSQL's `ts_rank_cd` and unlike BM25, whose document frequencies count updated and deleted
 * copies until segments merge: a score is then the same after a reindex and on every replica, so
 * relevance pages never reorder between requests.
 */
const SIMILARITY = {
  polyshop_rank: {
    type: 'scripted',
    script: { source: 'return query.boost * Math.sqrt(doc.freq) / Math.sqrt(doc.length);' },
  },
};

/**
 * Word parts: "phone" finds "Smartphones". The `parts` subfield of name, brand and category indexes
 * every 3-20 character piece of each word (n-grams) and is searched with the English analyzer, so
 * a stemmed query word of 3-20 characters matches inside a word — as PostgreSQL's '~' suffix
 * lexemes with a prefix query do (`migrations/0003_word_parts.sql`).
 */
export const WORD_PART_GRAMS = { min: 3, max: 20 } as const;

const ANALYSIS = {
  filter: {
    polyshop_word_parts: {
      type: 'ngram' as const,
      min_gram: WORD_PART_GRAMS.min,
      max_gram: WORD_PART_GRAMS.max,
    },
  },
  analyzer: {
    polyshop_word_parts: {
      type: 'custom' as const,
      tokenizer: 'standard',
      filter: ['lowercase', 'polyshop_word_parts'],
    },
  },
};

const text = { type: 'text', analyzer: 'english', similarity: 'polyshop_rank' } as const;
const parts = {
  type: 'text',
  analyzer: 'polyshop_word_parts',
  search_analyzer: 'english',
  similarity: 'polyshop_rank',
} as const;
const textWithParts = { ...text, fields: { parts } } as const;
const keywordWithText = { type: 'keyword', fields: { text, parts } } as const;

/**
 * The products mapping's version, kept in its `_meta`. Bumped when the mapping changes: an index of an
 * older version is upgraded in place when opened (`upgradeProductsIndex`) and a reindex fills the new
 * fields of the documents written before. 2: word parts.
 */
const MAPPING_VERSION = 2;

const productMappings = {
  dynamic: 'strict',
  _meta: { mapping_version: MAPPING_VERSION },
  properties: {
    id: { type: 'keyword' },
    version: { type: 'long' },
    searchable: { type: 'boolean' },
    slug: { type: 'keyword', index: false },
    // Full text with English stemming and stop words (as PostgreSQL's `english` configuration).
    name: textWithParts,
    description: text,
    // Exact filters and facets on the keyword; words of the brand and category match `q` too.
    brand: keywordWithText,
    category: keywordWithText,
    currency: { type: 'keyword', index: false },
    price: { type: 'keyword', index: false },
    price_scaled: { type: 'long' },
    skus: { type: 'keyword' },
    in_stock: { type: 'boolean' },
    rebuild_pending: { type: 'keyword' },
  },
} as const;

const skuStockMappings = {
  dynamic: 'strict',
  properties: {
    available: { type: 'long' },
    /** The SKU's stock version from inventory.changed (older events are ignored). */
    stock_version: { type: 'long' },
    products: { type: 'keyword' },
  },
} as const;

const inboxMappings = {
  dynamic: 'strict',
  properties: { consumer: { type: 'keyword' }, event_id: { type: 'keyword' }, handled_at: { type: 'date' } },
} as const;

// One shard: facet counts are exact (no per-shard top-N), scores use one set of term statistics, and
// a product catalog fits a shard by far. One replica when the cluster has a second node.
const settings = (extra: Record<string, unknown> = {}) => ({
  number_of_shards: 1,
  auto_expand_replicas: '0-1',
  ...extra,
});

const INDEXES = (names: SearchIndexNames) => [
  // Relevance pages go as deep as MAX_RELEVANCE_OFFSET, asking one hit more than the page.
  {
    alias: names.products,
    body: {
      settings: settings({
        max_result_window: MAX_RELEVANCE_OFFSET + MAX_LIMIT + 1,
        max_ngram_diff: WORD_PART_GRAMS.max - WORD_PART_GRAMS.min,
        similarity: SIMILARITY,
        analysis: ANALYSIS,
      }),
      mappings: productMappings,
    },
  },
  { alias: names.skuStock, body: { settings: settings(), mappings: skuStockMappings } },
  { alias: names.inbox, body: { settings: settings(), mappings: inboxMappings } },
];

function isAlreadyExists(error: unknown): boolean {
  const type = (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
  return type === 'resource_already_exists_exception';
}

/**
 * Brings a products index of an older mapping version up to this one in place: the analysis settings
 * (static: the index is closed for that moment) and the new fields. Documents written before get the
 * new fields when rewritten (`polyshop search reindex` rewrites them all).
 */
async function upgradeProductsIndex(client: Client, alias: string): Promise<void> {
  const { body } = await client.indices.getMapping({ index: alias });
  const held = body as Record<string, { mappings: { _meta?: { mapping_version?: number } } }>;
  for (const [index, { mappings }] of Object.entries(held)) {
    if ((mappings._meta?.mapping_version ?? 1) >= MAPPING_VERSION) continue;
    await client.indices.close({ index });
    try {
      await client.indices.putSettings({
        index,
        body: { index: { max_ngram_diff: WORD_PART_GRAMS.max - WORD_PART_GRAMS.min, analysis: ANALYSIS } },
      });
    } finally {
      await client.indices.open({ index, wait_for_active_shards: '1' });
    }
    await client.indices.putMapping({ index, body: productMappings });
  }
}

/**
 * Creates the search indexes with their mappings when missing: each as a versioned index
 * (`<alias>-v1`) created together with its alias, so that two processes starting at once both
 * succeed (the loser's "already exists" is the outcome it wanted). A products index of an older
 * mapping is upgraded in place.
 */
export async function ensureSearchIndexes(client: Client, prefix: string): Promise<SearchIndexNames> {
  const names = searchIndexNames(prefix);
  for (const { alias, body } of INDEXES(names)) {
    const exists = await client.indices.exists({ index: alias });
    if (exists.body) {
      if (alias === names.products) await upgradeProductsIndex(client, alias);
      continue;
    }
    try {
      await client.indices.create({ index: `${alias}-v1`, body: { ...body, aliases: { [alias]: {} } } });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
  return names;
}
