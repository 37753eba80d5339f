/** A SKU that could not be reserved. */
export interface StockShortage {
  sku: string;
  requested: number;
  available: number;
}

/** `reserved`: every item is held; `insufficient_stock`: nothing is held. */
export type ReserveStockOutcome =
  { status: 'reserved' } | { status: 'insufficient_stock'; shortages: StockShortage[] };

/**
 * The inventory as the checkout saga drives it. Every method is idempotent for a given reservation
 * id (the order id), so a saga step may be repeated after a crash.
 */
export interface StockReservations {
  /** Reserves every item or none, for `ttlSeconds`. Repeating it with the same id and items changes nothing. */
  reserve(request: {
    reservationId: string;
    items: { sku: string; quantity: number }[];
    ttlSeconds: number;
  }): Promise<ReserveStockOutcome>;

  /**
   * Commits the reservation: its stock leaves for good. Repeating it changes nothing. Throws a
   * conflict AppError (`INVENTORY.RESERVATION_EXPIRED`, `INVENTORY.RESERVATION_RELEASED`) when it can
   * no longer be committed.
   */
  commit(reservationId: string): Promise<void>;

  /**
   * Gives back whatever stock the reservation still holds: releases an active one, and returns the
   * stock of a committed one to the shelf. Nothing to do (unknown, released, expired, already
   * returned) is success.
   */
  giveBack(reservationId: string, reason: string): Promise<void>;
}
