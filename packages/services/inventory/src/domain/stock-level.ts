/** The three counts of one SKU. `available = quantity - reserved`, never negative. */
export interface StockCounts {
  /** Units on hand. */
  quantity: number;
  /** Units held by active reservations. */
  reserved: number;
  /** Units that can still be reserved. */
  available: number;
}

/** The stock of one SKU as stored. */
export interface StockLevel extends StockCounts {
  sku: string;
  /** Incremented by every change; lets readers tell two states apart. */
  version: number;
  updatedAt: Date;
}

/** One SKU's stock before and after a write: what events are derived from, without another read. */
export interface StockChange {
  sku: string;
  /** The counts before the write; `undefined` when the write created the SKU. */
  before: StockCounts | undefined;
  after: StockLevel;
}

/**
 * What changed a SKU's on-hand quantity outside the reservation flow: `set` replaced it (`PUT`),
 * `adjust` moved it by a delta, `return` put a committed reservation's units back.
 */
export type AdjustmentKind = 'set' | 'adjust' | 'return';

/**
 * A change of on-hand quantity, kept in the SKU's adjustment history. The one declaration of the
 * record: the stores' rows and items and the API's view are mapped to and from it.
 */
export interface StockAdjustment {
  id: string;
  sku: string;
  kind: AdjustmentKind;
  /** Change of on-hand quantity (for `set`: new minus previous). */
  delta: number;
  quantityAfter: number;
  reason: string;
  /** Who made it (user id), when known. */
  actor?: string | undefined;
  /** The reservation whose units came back (kind `return` only). */
  reservationId?: string | undefined;
  at: Date;
}

export function countsOf(quantity: number, reserved: number): StockCounts {
  return { quantity, reserved, available: quantity - reserved };
}

/** The counts a write started from, given the counts after it and how much it moved each. */
export function countsBefore(after: StockCounts, quantityDelta: number, reservedDelta: number): StockCounts {
  return countsOf(after.quantity - quantityDelta, after.reserved - reservedDelta);
}
