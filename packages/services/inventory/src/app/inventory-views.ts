import type { Reservation, ReservationItem, ReservationStatus } from '../domain/reservation.ts';
import type { StockAdjustment, StockLevel } from '../domain/stock-level.ts';

/** One SKU's stock as clients see it (HTTP and the service client). */
export interface StockView {
  sku: string;
  quantity: number;
  reserved: number;
  available: number;
  /** `available > 0`. */
  inStock: boolean;
  version: number;
  /** ISO 8601. */
  updatedAt: string;
}

/** A reservation as clients see it. */
export interface ReservationView {
  id: string;
  status: ReservationStatus;
  items: ReservationItem[];
  ttlSeconds: number;
  /** ISO 8601; after it an active reservation's stock returns. */
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
}

/** An entry of a SKU's adjustment history as clients see it: the domain record, `at` in ISO 8601. */
export interface AdjustmentView extends Omit<StockAdjustment, 'at'> {
  at: string;
}

export function toStockView(level: StockLevel): StockView {
  return {
    sku: level.sku,
    quantity: level.quantity,
    reserved: level.reserved,
    available: level.available,
    inStock: level.available > 0,
    version: level.version,
    updatedAt: level.updatedAt.toISOString(),
  };
}

export function toReservationView(reservation: Reservation): ReservationView {
  return {
    id: reservation.id,
    status: reservation.status,
    items: reservation.items.map((item) => ({ sku: item.sku, quantity: item.quantity })),
    ttlSeconds: reservation.ttlSeconds,
    expiresAt: reservation.expiresAt.toISOString(),
    createdAt: reservation.createdAt.toISOString(),
    updatedAt: reservation.updatedAt.toISOString(),
  };
}

export function toAdjustmentView(adjustment: StockAdjustment): AdjustmentView {
  const { actor, reservationId, at, ...rest } = adjustment;
  return {
    ...rest,
    ...(actor ? { actor } : {}),
    ...(reservationId ? { reservationId } : {}),
    at: at.toISOString(),
  };
}
