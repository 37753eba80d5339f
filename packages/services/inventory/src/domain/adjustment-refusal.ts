import { AppError } from '@polyshop/kernel';
import { belowReserved } from './inventory-errors.ts';
import { MAX_STOCK_QUANTITY } from './limits.ts';
import { countsOf, type StockCounts } from './stock-level.ts';

/**
 * Why moving a SKU's on-hand quantity by `delta` from `counts` is refused, or `undefined` when it is
 * allowed: 409 `INVENTORY.NEGATIVE_QUANTITY` below 0, `INVENTORY.BELOW_RESERVED` below the reserved
 * units, `INVENTORY.QUANTITY_TOO_LARGE` above the maximum. The one rule every adapter applies to an
 * adjustment (and to a reservation's return, which adds its units back); `field` names the input at
 * fault (`delta` for an adjustment).
 */
export function adjustmentRefusal(
  sku: string,
  counts: Pick<StockCounts, 'quantity' | 'reserved'>,
  delta: number,
  field = 'delta',
): AppError | undefined {
  const quantity = counts.quantity + delta;
  const details = { sku, ...countsOf(counts.quantity, counts.reserved) };
  if (quantity < 0) {
    return AppError.conflict(
      'INVENTORY.NEGATIVE_QUANTITY',
      `Adjusting ${sku} by ${delta} would leave ${quantity} on hand.`,
      { field, details },
    );
  }
  if (quantity < counts.reserved) return belowReserved(sku, counts.quantity, counts.reserved, field);
  if (quantity > MAX_STOCK_QUANTITY) {
    return AppError.conflict(
      'INVENTORY.QUANTITY_TOO_LARGE',
      `${sku} cannot hold more than ${MAX_STOCK_QUANTITY} units.`,
      { field, details },
    );
  }
  return undefined;
}
