import { AppError } from '@polyshop/kernel';

/** Largest on-hand quantity of one SKU (fits a 32-bit integer column with room for arithmetic). */
export const MAX_STOCK_QUANTITY = 1_000_000_000;
/** Largest quantity of one SKU in one reservation. */
export const MAX_ITEM_QUANTITY = 1_000_000;
/**
 * Most distinct SKUs in one reservation. DynamoDB's `TransactWriteItems` takes 100 actions and a
 * reservation needs one per SKU plus its own record; 50 leaves headroom and no real order comes close.
 */
export const MAX_RESERVATION_ITEMS = 50;
/** Most SKUs in one bulk read (`GET /inventory?skus=…`; DynamoDB `BatchGetItem` takes 100 keys). */
export const MAX_SKUS_PER_READ = 100;
export const MIN_TTL_SECONDS = 1;
export const MAX_TTL_SECONDS = 86_400;
export const MAX_REASON_LENGTH = 500;

/** A SKU: 1–64 letters, digits, `.`, `_` or `-`, starting with a letter or digit. */
export const SKU_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
/** A reservation id (the order saga uses the order id): 1–128 letters, digits, `.`, `_`, `:` or `-`. */
export const RESERVATION_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';

const SKU = new RegExp(SKU_PATTERN);
const RESERVATION_ID = new RegExp(RESERVATION_ID_PATTERN);

export function requireSku(value: unknown, field = 'sku'): string {
  if (typeof value !== 'string' || !SKU.test(value)) {
    throw AppError.invalidInput('INVENTORY.INVALID_SKU', 'A SKU is 1–64 letters, digits, ".", "_" or "-".', {
      field,
    });
  }
  return value;
}

export function requireReservationId(value: unknown, field = 'reservationId'): string {
  if (typeof value !== 'string' || !RESERVATION_ID.test(value)) {
    throw AppError.invalidInput(
      'INVENTORY.INVALID_RESERVATION_ID',
      'A reservation id is 1–128 letters, digits, ".", "_", ":" or "-".',
      { field },
    );
  }
  return value;
}

/** An integer within [min, max], else a 400 with the given code naming the field. */
export function requireInteger(
  value: unknown,
  field: string,
  code: string,
  min: number,
  max: number,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw AppError.invalidInput(code, `${field} must be an integer from ${min} to ${max}.`, { field });
  }
  return value;
}

export function requireReason(value: unknown, field = 'reason'): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_REASON_LENGTH) {
    throw AppError.invalidInput(
      'INVENTORY.INVALID_REASON',
      `A reason of 1–${MAX_REASON_LENGTH} characters is required.`,
      { field },
    );
  }
  return value.trim();
}
