import { MAX_STOCK_QUANTITY, requireInteger, requireReason, requireSku } from '../domain/limits.ts';
import type { StockLevel } from '../domain/stock-level.ts';
import { afterWrite, writeContext, type InventoryDeps } from './inventory-deps.ts';

export interface SetStockCommand {
  sku: string;
  /** New on-hand quantity, 0 … 1,000,000,000; not below what is reserved. */
  quantity: number;
  /** Why (kept in the adjustment history); defaults to "quantity set". */
  reason?: string | undefined;
  actor?: string | undefined;
}

/** Sets a SKU's on-hand quantity, creating the SKU when new (`created`). */
export async function setStock(
  deps: InventoryDeps,
  command: SetStockCommand,
): Promise<{ stock: StockLevel; created: boolean }> {
  const input = {
    sku: requireSku(command.sku),
    quantity: requireInteger(
      command.quantity,
      'quantity',
      'INVENTORY.INVALID_QUANTITY',
      0,
      MAX_STOCK_QUANTITY,
    ),
    reason: command.reason === undefined ? 'quantity set' : requireReason(command.reason),
    actor: command.actor,
  };
  const change = await deps.repository.setQuantity(input, writeContext(deps));
  afterWrite(deps, [change]);
  return { stock: change.after, created: change.before === undefined };
}
