import type { MigrationRecord } from '@polyshop/migration';
import type { Reservation, ReservationStatus } from '../../domain/reservation.ts';
import type { StockAdjustment, StockLevel } from '../../domain/stock-level.ts';

/**
 * Inventory's records as the migration engine copies them between PostgreSQL and DynamoDB.
 *
 * - `stock`: one SKU's absolute counts (quantity, reserved) with its version, key the SKU. A copy
 *   writes the absolute values if the target's version is lower (never a delta replayed), so copying
 *   the same record twice changes nothing. On DynamoDB a sharded SKU is read as the sum of its parts
 *   (version included) and written back over its parts, pinned to their versions.
 * - `reservations`: key the id; the version is the status's rank, since a reservation only moves
 *   forward (active 1 → committed, released or expired 2 → returned 3): a copy never takes a
 *   reservation back to an earlier status, so a reservation expired on one store is never active
 *   again on the other (and never expired twice).
 * - `adjustments`: the history, key `<sku>#<stock version, 12 digits>` (the version its write made;
 *   DynamoDB's sort key, migration-0003's `stock_version` on PostgreSQL); written once, version 1.
 */
export const INVENTORY_KINDS = ['stock', 'reservations', 'adjustments'] as const;
export type InventoryKind = (typeof INVENTORY_KINDS)[number];

export function inventoryKind(kind: string): InventoryKind {
  if (!(INVENTORY_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`inventory has no record kind ${kind}`);
  }
  return kind as InventoryKind;
}

/** The version of a reservation: its status's rank (statuses only move forward). */
export const STATUS_RANK: Readonly<Record<ReservationStatus, number>> = {
  active: 1,
  committed: 2,
  released: 2,
  expired: 2,
  returned: 3,
};

/** The statuses a reservation at `status` may overwrite (a lower rank). */
export function statusesBelow(status: ReservationStatus): ReservationStatus[] {
  return (Object.keys(STATUS_RANK) as ReservationStatus[]).filter(
    (candidate) => STATUS_RANK[candidate] < STATUS_RANK[status],
  );
}

/** The key of a history entry: its SKU and the stock version its write made. */
export function adjustmentKeyOf(sku: string, stockVersion: number): string {
  return `${sku}#${String(stockVersion).padStart(12, '0')}`;
}

/** The SKU and stock version of a history entry's key. */
export function parseAdjustmentKey(key: string): { sku: string; stockVersion: number } {
  const at = key.lastIndexOf('#');
  return { sku: key.slice(0, at), stockVersion: Number(key.slice(at + 1)) };
}

export const stockRecord = (level: StockLevel): MigrationRecord => ({
  key: level.sku,
  version: level.version,
  body: level,
});

export const reservationRecord = (reservation: Reservation): MigrationRecord => ({
  key: reservation.id,
  version: STATUS_RANK[reservation.status],
  body: reservation,
});

export const adjustmentRecord = (adjustment: StockAdjustment, stockVersion: number): MigrationRecord => ({
  key: adjustmentKeyOf(adjustment.sku, stockVersion),
  version: 1,
  body: adjustment,
});

const iso = (value: Date | string): string => new Date(value).toISOString();

/** The canonical form of a record of `kind` (equal on both stores for the same record). */
export function canonicalInventoryRecord(kind: string, body: unknown): unknown {
  switch (inventoryKind(kind)) {
    case 'stock': {
      const level = body as StockLevel;
      return {
        sku: level.sku,
        quantity: level.quantity,
        reserved: level.reserved,
        version: level.version,
        updatedAt: iso(level.updatedAt),
      };
    }
    case 'reservations': {
      const reservation = body as Reservation;
      return {
        id: reservation.id,
        status: reservation.status,
        items: [...reservation.items]
          .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
          .map((item) => ({ sku: item.sku, quantity: item.quantity })),
        ttlSeconds: reservation.ttlSeconds,
        expiresAt: iso(reservation.expiresAt),
        createdAt: iso(reservation.createdAt),
        updatedAt: iso(reservation.updatedAt),
      };
    }
    case 'adjustments': {
      const adjustment = body as StockAdjustment;
      return {
        sku: adjustment.sku,
        kind: adjustment.kind,
        delta: adjustment.delta,
        quantityAfter: adjustment.quantityAfter,
        reason: adjustment.reason,
        actor: adjustment.actor ?? null,
        reservationId: adjustment.reservationId ?? null,
        at: iso(adjustment.at),
      };
    }
  }
}
