import { AppError } from '@polyshop/kernel';
import {
  MAX_ITEM_QUANTITY,
  MAX_RESERVATION_ITEMS,
  MAX_TTL_SECONDS,
  MIN_TTL_SECONDS,
  requireInteger,
  requireReservationId,
  requireSku,
} from './limits.ts';

/**
 * `active` holds stock until it is `committed` (stock leaves), `released` (stock returns) or
 * `expired` (stock returns automatically after `expiresAt`). Released and expired are final; a
 * committed reservation may later be `returned` (its stock put back on hand, e.g. an order cancelled
 * after its stock left), which is final.
 */
export type ReservationStatus = 'active' | 'committed' | 'released' | 'expired' | 'returned';

/** Units of one SKU held by a reservation. */
export interface ReservationItem {
  sku: string;
  quantity: number;
}

/** What a caller asks to reserve. The same `reservationId` again is a retry of the same request. */
export interface ReservationRequest {
  reservationId: string;
  items: ReservationItem[];
  /** Seconds until the reservation expires and its stock returns (1–86400). */
  ttlSeconds: number;
}

/** A reservation as stored. */
export interface Reservation {
  id: string;
  status: ReservationStatus;
  /** Sorted by SKU, one entry per SKU. */
  items: ReservationItem[];
  ttlSeconds: number;
  expiresAt: Date;
  createdAt: Date;
  /** When the status last changed. */
  updatedAt: Date;
}

/** A SKU that could not be reserved: how many were asked for and how many were available. */
export interface StockShortage {
  sku: string;
  requested: number;
  /** Units available at the time; 0 for a SKU inventory does not know. */
  available: number;
}

/** A validated request ready for the repository: items sorted by SKU, expiry computed. */
export interface NewReservation {
  id: string;
  items: ReservationItem[];
  ttlSeconds: number;
  expiresAt: Date;
}

/**
 * Checks a reservation request and normalises it: items sorted by SKU (the order in which stock is
 * locked, so that concurrent multi-SKU reservations never deadlock), expiry = now + ttl.
 * A SKU listed twice is refused rather than merged, so a request means exactly what it says.
 */
export function newReservation(request: ReservationRequest, now: Date): NewReservation {
  const id = requireReservationId(request?.reservationId);
  const ttlSeconds = requireInteger(
    request.ttlSeconds,
    'ttlSeconds',
    'INVENTORY.INVALID_TTL',
    MIN_TTL_SECONDS,
    MAX_TTL_SECONDS,
  );
  if (!Array.isArray(request.items) || request.items.length === 0) {
    throw AppError.invalidInput('INVENTORY.NO_ITEMS', 'A reservation needs at least one item.', {
      field: 'items',
    });
  }
  if (request.items.length > MAX_RESERVATION_ITEMS) {
    throw AppError.invalidInput(
      'INVENTORY.TOO_MANY_ITEMS',
      `A reservation holds at most ${MAX_RESERVATION_ITEMS} SKUs.`,
      {
        field: 'items',
      },
    );
  }
  const seen = new Set<string>();
  const items = request.items.map((item, index) => {
    const sku = requireSku(item?.sku, `items.${index}.sku`);
    if (seen.has(sku)) {
      throw AppError.invalidInput(
        'INVENTORY.DUPLICATE_SKU',
        `SKU ${sku} is listed twice; list each SKU once.`,
        {
          field: `items.${index}.sku`,
        },
      );
    }
    seen.add(sku);
    const quantity = requireInteger(
      item.quantity,
      `items.${index}.quantity`,
      'INVENTORY.INVALID_QUANTITY',
      1,
      MAX_ITEM_QUANTITY,
    );
    return { sku, quantity };
  });
  return { id, items: sortItems(items), ttlSeconds, expiresAt: new Date(now.getTime() + ttlSeconds * 1000) };
}

/** Items in SKU order (code-point order, the same in JavaScript and in a `COLLATE "C"` sort). */
export function sortItems(items: readonly ReservationItem[]): ReservationItem[] {
  return [...items].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** True when a stored reservation was made from the same request (retry), false when the body differs. */
export function isSameRequest(reservation: Reservation, request: NewReservation): boolean {
  return (
    reservation.ttlSeconds === request.ttlSeconds &&
    reservation.items.length === request.items.length &&
    reservation.items.every(
      (item, i) => item.sku === request.items[i]!.sku && item.quantity === request.items[i]!.quantity,
    )
  );
}
