import { defineTable } from '@polyshop/stores';
import type { ReservationItem, ReservationStatus } from '../../domain/reservation.ts';
import type { AdjustmentKind } from '../../domain/stock-level.ts';

/**
 * Every table of the `inventory` schema, one row type each (snake_case, as SQL returns them);
 * `test/contract/inventory-tables.test.ts` checks them against the migrated database.
 */

/** A row of `inventory.stock`: one SKU's counts. */
export interface StockRow {
  sku: string;
  quantity: number;
  reserved: number;
  version: number;
  updated_at: Date;
}

/** A row of `inventory.reservations`. */
export interface ReservationRow {
  id: string;
  status: ReservationStatus;
  items: ReservationItem[];
  ttl_seconds: number;
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
}

/** A row of `inventory.adjustments`: the stock history. */
export interface AdjustmentRow {
  id: number;
  sku: string;
  kind: AdjustmentKind;
  delta: number;
  quantity_after: number;
  reason: string;
  actor: string | null;
  reservation_id: string | null;
  created_at: Date;
  /** The SKU's stock version this entry's write made (migration-0003): its key on every store. */
  stock_version: number | null;
}

export const STOCK_TABLE = defineTable<StockRow>()('inventory', 'stock', [
  'sku',
  'quantity',
  'reserved',
  'version',
  'updated_at',
]);

export const RESERVATIONS_TABLE = defineTable<ReservationRow>()('inventory', 'reservations', [
  'id',
  'status',
  'items',
  'ttl_seconds',
  'expires_at',
  'created_at',
  'updated_at',
]);

export const ADJUSTMENTS_TABLE = defineTable<AdjustmentRow>()('inventory', 'adjustments', [
  'id',
  'sku',
  'kind',
  'delta',
  'quantity_after',
  'reason',
  'actor',
  'reservation_id',
  'created_at',
  'stock_version',
]);

/** The service's own tables (`migrate` adds the messaging tables, declared in `@polyshop/stores`). */
export const INVENTORY_TABLES = [STOCK_TABLE, RESERVATIONS_TABLE, ADJUSTMENTS_TABLE];
