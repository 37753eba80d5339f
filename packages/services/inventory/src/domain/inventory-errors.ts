import { AppError } from '@polyshop/kernel';
import { countsOf } from './stock-level.ts';

/** The inventory errors raised in more than one place (codes are part of the public contract). */

export function skuNotFound(sku: string, field = 'sku'): AppError {
  return AppError.notFound('INVENTORY.SKU_NOT_FOUND', `Inventory has no SKU ${sku}.`, { field });
}

export function reservationNotFound(id: string): AppError {
  return AppError.notFound('INVENTORY.RESERVATION_NOT_FOUND', `No reservation ${id}.`, { field: 'id' });
}

/** 409: on-hand quantity would drop below the units held by reservations. */
export function belowReserved(sku: string, quantity: number, reserved: number, field: string): AppError {
  return AppError.conflict(
    'INVENTORY.BELOW_RESERVED',
    `${sku} has ${reserved} units reserved; on-hand quantity cannot go below that.`,
    {
      field,
      details: { sku, ...countsOf(quantity, reserved) },
    },
  );
}
