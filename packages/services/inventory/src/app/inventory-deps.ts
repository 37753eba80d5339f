import type { Clock } from '@polyshop/kernel';
import { inventoryEvents } from '../domain/inventory-events.ts';
import type { StockChange } from '../domain/stock-level.ts';
import type { InventoryRepository, WriteContext } from '../ports/inventory-repository.ts';
import type { StockSharding } from '../ports/stock-sharding.ts';

/** What the inventory use cases run on. */
export interface InventoryDeps {
  repository: InventoryRepository;
  /** Sharded counters for hot SKUs, on a store that has them (DynamoDB); absent elsewhere. */
  sharding?: StockSharding | undefined;
  clock: Clock;
  /** `inventory.low` fires when available units fall to this or below. */
  lowStockThreshold: number;
  /** Called after a write recorded events (the service wakes its outbox relay). */
  eventsRecorded?: () => void;
  /**
   * Called with each reservation's outcome (metrics): `reserved`, `replayed`, `insufficient_stock` (the
   * conditional write refused: stock contention) or `mismatch`.
   */
  reservationSettled?: (outcome: 'reserved' | 'replayed' | 'insufficient_stock' | 'mismatch') => void;
}

/**
 * A write's time and its events (`inventory.changed`, `inventory.low`), correlated to a reservation when
 * there is one.
 */
export function writeContext(deps: InventoryDeps, correlationId?: string): WriteContext {
  return {
    now: deps.clock.now(),
    events: (changes) =>
      inventoryEvents(changes, {
        clock: deps.clock,
        lowStockThreshold: deps.lowStockThreshold,
        correlationId,
      }),
  };
}

/** Tells the service that events were recorded, when the write changed stock. */
export function afterWrite(deps: InventoryDeps, changes: readonly StockChange[]): void {
  if (changes.length > 0) deps.eventsRecorded?.();
}
