import { createHash } from 'node:crypto';
import { AppError } from '@polyshop/kernel';
import type { SearchQuery } from './search-query.ts';

/**
 * Where the next page starts. Price sorts page by keyset (`after` the last hit's price and id, the
 * way OpenSearch's `search_after` does); relevance pages by offset (`from`), since scores are floats
 * that do not round-trip exactly.
 */
export type CursorPosition = { offset: number } | { after: { price: string; id: string } };

interface CursorPayload {
  /** Fingerprint of the search the cursor belongs to. */
  f: string;
  o?: number;
  p?: string;
  i?: string;
}

/** What must not change between pages: the query, the filters and the sort. */
function fingerprint(query: SearchQuery): string {
  const { q, filters, sort } = query;
  return createHash('sha256')
    .update(JSON.stringify([q, sort, filters]))
    .digest('base64url')
    .slice(0, 16);
}

/** An opaque cursor for the page after `position` of this search. */
export function encodeCursor(query: SearchQuery, position: CursorPosition): string {
  const payload: CursorPayload = { f: fingerprint(query) };
  if ('offset' in position) payload.o = position.offset;
  else {
    payload.p = position.after.price;
    payload.i = position.after.id;
  }
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

function invalidCursor(message: string): AppError {
  return AppError.invalidInput('SEARCH.INVALID_CURSOR', message, { field: 'cursor' });
}

const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;

/**
 * The position `query.cursor` points at (`undefined` for the first page). Throws
 * `SEARCH.INVALID_CURSOR` for a cursor that is malformed or belongs to another search.
 */
export function decodeCursor(query: SearchQuery): CursorPosition | undefined {
  if (query.cursor === undefined) return undefined;
  let payload: CursorPayload;
  try {
    payload = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')) as CursorPayload;
  } catch {
    throw invalidCursor('The cursor is not one this service issued.');
  }
  if (typeof payload !== 'object' || payload === null || typeof payload.f !== 'string') {
    throw invalidCursor('The cursor is not one this service issued.');
  }
  if (payload.f !== fingerprint(query)) {
    throw invalidCursor('The cursor belongs to another search: keep q, the filters and sort while paging.');
  }
  if (query.sort === 'relevance') {
    if (!Number.isInteger(payload.o) || payload.o! < 0)
      throw invalidCursor('The cursor is not one this service issued.');
    return { offset: payload.o! };
  }
  if (typeof payload.p !== 'string' || !DECIMAL.test(payload.p) || typeof payload.i !== 'string') {
    throw invalidCursor('The cursor is not one this service issued.');
  }
  return { after: { price: payload.p, id: payload.i } };
}
