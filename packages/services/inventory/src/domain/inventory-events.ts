import { createEvent, type Clock, type EventEnvelope } from '@polyshop/kernel';
import type { StockChange } from './stock-level.ts';

/** The `source` of every inventory event. */
export const INVENTORY_SOURCE = 'inventory';

/**
 * `inventory.changed` v1 — emitted for every SKU whose stock a write changed (set, adjust, reserve,
 * commit, release, expiry, return). Search keeps its `inStock` flag from it. aggregateType `inventory`,
 * aggregateId the SKU; `correlationId` is the reservation id for reservation-driven changes.
 */
export interface InventoryChangedData {
  sku: string;
  quantity: number;
  reserved: number;
  available: number;
  /** `available > 0`. */
  inStock: boolean;
  /** The SKU's stock version after the change: consumers ignore an event older than one they applied. */
  version: number;
}

/**
 * `inventory.low` v1 — emitted when a write takes a SKU's available units from above the low-stock
 * threshold to at or below it (or creates a SKU already at or below it). Not repeated while it stays low.
 */
export interface InventoryLowData {
  sku: string;
  available: number;
  threshold: number;
}

export type InventoryChangedEvent = EventEnvelope<InventoryChangedData> & { type: 'inventory.changed' };
export type InventoryLowEvent = EventEnvelope<InventoryLowData> & { type: 'inventory.low' };
export type InventoryEvent = InventoryChangedEvent | InventoryLowEvent;

export const INVENTORY_EVENT_TYPES = ['inventory.changed', 'inventory.low'] as const;

export interface InventoryEventOptions {
  clock: Clock;
  lowStockThreshold: number;
  correlationId?: string | undefined;
}

/** The events a set of stock changes produces, in change order (`changed`, then `low` when it crossed). */
export function inventoryEvents(
  changes: readonly StockChange[],
  options: InventoryEventOptions,
): InventoryEvent[] {
  const events: InventoryEvent[] = [];
  const { clock, lowStockThreshold: threshold, correlationId } = options;
  const extra = correlationId ? { correlationId } : {};
  for (const { sku, before, after } of changes) {
    const changed: InventoryChangedData = {
      sku,
      quantity: after.quantity,
      reserved: after.reserved,
      available: after.available,
      inStock: after.available > 0,
      version: after.version,
    };
    events.push(
      createEvent(
        INVENTORY_SOURCE,
        { type: 'inventory.changed', aggregateType: 'inventory', aggregateId: sku, data: changed, ...extra },
        clock,
      ) as InventoryChangedEvent,
    );
    const wasAbove = before === undefined || before.available > threshold;
    if (wasAbove && after.available <= threshold) {
      const low: InventoryLowData = { sku, available: after.available, threshold };
      events.push(
        createEvent(
          INVENTORY_SOURCE,
          { type: 'inventory.low', aggregateType: 'inventory', aggregateId: sku, data: low, ...extra },
          clock,
        ) as InventoryLowEvent,
      );
    }
  }
  return events;
}
