import { AppError } from '@polyshop/kernel';
import { MAX_STOCK_QUANTITY, requireInteger, requireReason, requireSku } from '../domain/limits.ts';
import type { StockLevel } from '../domain/stock-level.ts';
import { afterWrite, writeContext, type InventoryDeps } from './inventory-deps.ts';

export interface AdjustStockCommand {
  sku: string;
  /** Units to add (positive) or remove (negative); never 0. */
  delta: number;
  reason: string;
  actor?: string | undefined;
}

/** Moves a SKU's on-hand quantity by a delta, recorded in its adjustment history. */
export async function adjustStock(deps: InventoryDeps, command: AdjustStockCommand): Promise<StockLevel> {
  const sku = requireSku(command.sku);
  const delta = requireInteger(
    command.delta,
    'delta',
    'INVENTORY.INVALID_DELTA',
    -MAX_STOCK_QUANTITY,
    MAX_STOCK_QUANTITY,
  );
  if (delta === 0)
    throw AppError.invalidInput('INVENTORY.INVALID_DELTA', 'delta must not be 0.', { field: 'delta' });
  const reason = requireReason(command.reason);
  const change = await deps.repository.adjust(
    { sku, delta, reason, actor: command.actor },
    writeContext(deps),
  );
  afterWrite(deps, [change]);
  return change.after;
}
