import { AppError, isUuid } from '@polyshop/kernel';
import type { ProductSort, SearchPosition } from './product-query.ts';

/** A keyset cursor, tied to the sort it was made for. Opaque to clients (base64url JSON). */
interface CursorBody {
  s: string;
  k: string;
  i: string;
}

function sortName(sort: ProductSort): string {
  return `${sort.direction === 'desc' ? '-' : ''}${sort.field}`;
}

export function encodeCursor(sort: ProductSort, position: SearchPosition): string {
  const body: CursorBody = { s: sortName(sort), k: position.key, i: position.id };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** Decodes a cursor; a malformed one, or one made for another sort, is a 400 on `cursor`. */
export function decodeCursor(cursor: string, sort: ProductSort): SearchPosition {
  const invalid = (why: string) =>
    AppError.invalidInput('PRODUCT.INVALID_CURSOR', `The cursor ${why}; start again without one.`, {
      field: 'cursor',
    });
  let body: Partial<CursorBody>;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody>;
  } catch {
    throw invalid('is not one this API issued');
  }
  if (
    typeof body !== 'object' ||
    body === null ||
    typeof body.k !== 'string' ||
    !isUuid(body.i) ||
    typeof body.s !== 'string'
  ) {
    throw invalid('is not one this API issued');
  }
  if (body.s !== sortName(sort)) throw invalid(`was made for sort=${body.s}`);
  if (sort.field === 'price' && !/^\d+(\.\d+)?$/.test(body.k)) throw invalid('is not one this API issued');
  if (sort.field === 'createdAt' && Number.isNaN(Date.parse(body.k)))
    throw invalid('is not one this API issued');
  return { key: body.k, id: body.i };
}
