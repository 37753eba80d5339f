import type { EventEnvelope } from '@polyshop/kernel';
import type { NewReservation, Reservation, StockShortage } from '../domain/reservation.ts';
import type { StockAdjustment, StockChange, StockLevel } from '../domain/stock-level.ts';

/**
 * What every write is told: when it happens, and which events to record with it.
 *
 * `events` is called with the write's stock changes once they are known and before the write is
 * durable; the adapter records what it returns atomically with the change (PostgreSQL: the outbox,
 * in the same transaction). It is not called when the write changed no stock.
 */
export interface WriteContext {
  now: Date;
  events?: (changes: readonly StockChange[]) => readonly EventEnvelope[];
}

/** A manual change of on-hand quantity. */
export interface AdjustmentInput {
  sku: string;
  /** Non-zero; added to the on-hand quantity. */
  delta: number;
  reason: string;
  actor?: string | undefined;
}

/** A replacement of on-hand quantity (`PUT`). Creates the SKU when it is new. */
export interface SetQuantityInput {
  sku: string;
  quantity: number;
  reason: string;
  actor?: string | undefined;
}

/** Why a committed reservation's stock comes back, kept in each SKU's adjustment history. */
export interface ReturnInput {
  reason: string;
  actor?: string | undefined;
}

/**
 * Result of `reserve`:
 * - `reserved`: every item was reserved; `changes` lists each SKU's new stock.
 * - `insufficient_stock`: nothing was reserved; `shortages` names each SKU that was short.
 * - `exists`: a reservation with this id already exists (returned as stored); nothing changed.
 *   The caller decides whether that is a retry (same items) or a mismatch.
 */
export type ReserveOutcome =
  | { status: 'reserved'; reservation: Reservation; changes: StockChange[] }
  | { status: 'insufficient_stock'; shortages: StockShortage[] }
  | { status: 'exists'; reservation: Reservation };

/**
 * Result of a reservation state change: the reservation as it now is, and the stock it moved (empty
 * when the call changed nothing: a repeat, or a transition the current status does not allow).
 */
export interface ReservationTransition {
  reservation: Reservation;
  changes: StockChange[];
}

/**
 * Where stock and reservations live. Implemented on PostgreSQL now and on DynamoDB later
 * (`PK = PRODUCT#<sku>, SK = INVENTORY`; reservations as items with a `ttl`), behind the same
 * contract suite, so it speaks in operations, never in queries or transactions.
 *
 * Every method that changes stock is atomic: one conditional write per SKU, guarded by the store
 * itself (never a read followed by a write decided in application code), and a multi-SKU write
 * either changes every SKU or none. Writes touching several SKUs take them in SKU order.
 */
export interface InventoryRepository {
  /** The stock of one SKU, or `undefined` when inventory does not know it. */
  findStock(sku: string): Promise<StockLevel | undefined>;

  /** The stock of each known SKU among `skus` (unknown ones are left out), in SKU order. */
  findStocks(skus: readonly string[]): Promise<StockLevel[]>;

  /**
   * Sets the on-hand quantity, creating the SKU if needed, and records it in the adjustment history.
   * Throws conflict `INVENTORY.BELOW_RESERVED` when `quantity` is less than what is reserved.
   */
  setQuantity(input: SetQuantityInput, context: WriteContext): Promise<StockChange>;

  /**
   * Moves the on-hand quantity by `delta` and records it in the adjustment history.
   * Throws not_found `INVENTORY.SKU_NOT_FOUND` for an unknown SKU; conflict
   * `INVENTORY.NEGATIVE_QUANTITY` when the result would be below 0, `INVENTORY.BELOW_RESERVED` when
   * below the reserved units, `INVENTORY.QUANTITY_TOO_LARGE` when above the maximum.
   */
  adjust(input: AdjustmentInput, context: WriteContext): Promise<StockChange>;

  /** The SKU's adjustment history, newest first, at most `limit` entries. */
  listAdjustments(sku: string, limit: number): Promise<StockAdjustment[]>;

  /**
   * Reserves every item or none. For each item the SKU's available units must cover the quantity;
   * an unknown SKU is a shortage with 0 available. When the id already exists nothing is reserved
   * and the stored reservation is returned (`exists`); a failed attempt is not stored, so a retry
   * after a shortage is evaluated afresh.
   */
  reserve(reservation: NewReservation, context: WriteContext): Promise<ReserveOutcome>;

  /**
   * Commits an active reservation: each SKU's quantity and reserved both drop by the item quantity.
   * A reservation already committed is returned unchanged (idempotent). An active reservation whose
   * `expiresAt` is at or before `context.now` is expired instead (its stock returns) and returned with
   * status `expired`; released or expired ones are returned unchanged. `undefined` when unknown.
   */
  commitReservation(id: string, context: WriteContext): Promise<ReservationTransition | undefined>;

  /**
   * Releases an active reservation (its stock returns), even if past its expiry. Released, expired and
   * committed ones are returned unchanged (the caller refuses the last). `undefined` when unknown.
   */
  releaseReservation(id: string, context: WriteContext): Promise<ReservationTransition | undefined>;

  /**
   * Expires an active reservation whose `expiresAt` is at or before `context.now` (its stock returns).
   * Any other reservation is returned unchanged, so concurrent reapers are harmless. `undefined` when unknown.
   */
  expireReservation(id: string, context: WriteContext): Promise<ReservationTransition | undefined>;

  /**
   * Puts a committed reservation's stock back on hand (an order cancelled after its stock left): in
   * one atomic write the reservation becomes `returned` (only from `committed`) and each SKU's
   * quantity rises by the item quantity, every SKU recorded in its adjustment history (kind `return`,
   * with `input.reason`, the actor and the reservation id) and its events recorded with the write.
   * A reservation already returned is returned unchanged (idempotent: concurrent calls add the stock
   * once); active, released and expired ones are returned unchanged too (the caller refuses them).
   * Throws conflict `INVENTORY.QUANTITY_TOO_LARGE` (field `id`) when a SKU would exceed the maximum,
   * changing nothing. `undefined` when unknown.
   */
  returnReservation(
    id: string,
    input: ReturnInput,
    context: WriteContext,
  ): Promise<ReservationTransition | undefined>;

  /** A reservation by id, or `undefined`. */
  findReservation(id: string): Promise<Reservation | undefined>;

  /**
   * The active reservations holding `sku`, soonest expiry first, at most `limit` (an operator's view:
   * the console's Inventory page). Read from the active reservations, not from an index by SKU, so no
   * reservation write pays for it: its cost follows how many reservations are active (each lives
   * minutes), not how many were ever made.
   */
  findActiveReservations(sku: string, limit: number): Promise<Reservation[]>;

  /** Ids of active reservations whose `expiresAt` is at or before `now`, soonest expiry first, at most `limit`. */
  findExpiredReservations(now: Date, limit: number): Promise<string[]>;
}
