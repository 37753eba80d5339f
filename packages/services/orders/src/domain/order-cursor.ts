import { AppError, isUuid } from '@polyshop/kernel';

/** A place in the newest-first order listing. */
export interface OrderCursorPosition {
  createdAt: Date;
  id: string;
}

/** An opaque keyset cursor (base64url JSON of the last order's creation time and id). */
export function encodeOrderCursor(position: OrderCursorPosition): string {
  return Buffer.from(JSON.stringify({ t: position.createdAt.toISOString(), i: position.id })).toString(
    'base64url',
  );
}

/** Decodes a cursor; anything this API did not issue is a 400 on `cursor`. */
export function decodeOrderCursor(cursor: string): OrderCursorPosition {
  let body: { t?: unknown; i?: unknown };
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { t?: unknown; i?: unknown };
  } catch {
    body = {}; // not JSON: refused below like any other cursor this API did not issue
  }
  const createdAt = typeof body?.t === 'string' ? new Date(body.t) : undefined;
  if (!createdAt || Number.isNaN(createdAt.getTime()) || !isUuid(body?.i)) {
    throw AppError.invalidInput(
      'ORDERS.INVALID_CURSOR',
      'The cursor is not one this API issued; start again without one.',
      { field: 'cursor' },
    );
  }
  return { createdAt, id: body.i };
}
