import type { Reservation } from '../../domain/reservation.ts';
import { countsOf, type StockAdjustment, type StockLevel } from '../../domain/stock-level.ts';
import {
  ADJUSTMENTS_TABLE,
  RESERVATIONS_TABLE,
  STOCK_TABLE,
  type AdjustmentRow,
  type ReservationRow,
  type StockRow,
} from './inventory-tables.ts';

/** Storage mappers: snake_case rows of the `inventory` schema to domain types. */

export const STOCK_COLUMNS = STOCK_TABLE.columnList;
export const RESERVATION_COLUMNS = RESERVATIONS_TABLE.columnList;
export const ADJUSTMENT_COLUMNS = ADJUSTMENTS_TABLE.columnList;

export function toStockLevel(row: StockRow): StockLevel {
  return {
    sku: row.sku,
    ...countsOf(row.quantity, row.reserved),
    version: row.version,
    updatedAt: row.updated_at,
  };
}

export function toReservation(row: ReservationRow): Reservation {
  return {
    id: row.id,
    status: row.status,
    items: row.items.map((item) => ({ sku: item.sku, quantity: item.quantity })),
    ttlSeconds: row.ttl_seconds,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toAdjustment(row: AdjustmentRow): StockAdjustment {
  return {
    id: String(row.id),
    sku: row.sku,
    kind: row.kind,
    delta: row.delta,
    quantityAfter: row.quantity_after,
    reason: row.reason,
    actor: row.actor ?? undefined,
    ...(row.reservation_id ? { reservationId: row.reservation_id } : {}),
    at: row.created_at,
  };
}
