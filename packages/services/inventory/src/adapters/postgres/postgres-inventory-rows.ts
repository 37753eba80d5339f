import type { Reservation, ReservationItem, ReservationStatus } from '../../domain/reservation.ts';
import {
  countsOf,
  type AdjustmentKind,
  type StockAdjustment,
  type StockLevel,
} from '../../domain/stock-level.ts';

/** Storage mappers: snake_case rows of the `inventory` schema to domain types. */

export const STOCK_COLUMNS = 'sku, quantity, reserved, version, updated_at';
export const RESERVATION_COLUMNS = 'id, status, items, ttl_seconds, expires_at, created_at, updated_at';
export const ADJUSTMENT_COLUMNS =
  'id, sku, kind, delta, quantity_after, reason, actor, reservation_id, created_at';

export interface StockRow {
  sku: string;
  quantity: number;
  reserved: number;
  version: number;
  updated_at: Date;
}

export interface ReservationRow {
  id: string;
  status: ReservationStatus;
  items: ReservationItem[];
  ttl_seconds: number;
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
}

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
}

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
