import { AppError } from '@polyshop/kernel';
import { reservationNotFound, skuNotFound } from '../domain/inventory-errors.ts';
import { MAX_SKUS_PER_READ, requireInteger, requireReservationId, requireSku } from '../domain/limits.ts';
import type { Reservation } from '../domain/reservation.ts';
import type { StockAdjustment, StockLevel } from '../domain/stock-level.ts';
import type { InventoryDeps } from './inventory-deps.ts';

/** The stock of one SKU; 404 `INVENTORY.SKU_NOT_FOUND` when unknown. */
export async function getStock(deps: InventoryDeps, sku: string): Promise<StockLevel> {
  const level = await deps.repository.findStock(requireSku(sku));
  if (!level) throw skuNotFound(sku);
  return level;
}

/** The stock of several SKUs (1–100, duplicates ignored): the known ones, and the SKUs inventory does not know. */
export async function findStocks(
  deps: InventoryDeps,
  skus: readonly string[],
): Promise<{ items: StockLevel[]; missing: string[] }> {
  const wanted = [...new Set(skus)];
  if (wanted.length === 0 || wanted.length > MAX_SKUS_PER_READ) {
    throw AppError.invalidInput('INVENTORY.INVALID_SKUS', `Ask for 1 to ${MAX_SKUS_PER_READ} SKUs.`, {
      field: 'skus',
    });
  }
  wanted.forEach((sku) => requireSku(sku, 'skus'));
  const items = await deps.repository.findStocks(wanted);
  const known = new Set(items.map((item) => item.sku));
  return { items, missing: wanted.filter((sku) => !known.has(sku)).sort() };
}

/** A SKU's adjustment history, newest first; 404 when the SKU is unknown. */
export async function listAdjustments(
  deps: InventoryDeps,
  sku: string,
  limit = 50,
): Promise<StockAdjustment[]> {
  await getStock(deps, sku);
  return deps.repository.listAdjustments(
    sku,
    requireInteger(limit, 'limit', 'INVENTORY.INVALID_LIMIT', 1, 500),
  );
}

/** The active reservations holding a SKU, soonest expiry first; 404 when the SKU is unknown. */
export async function listActiveReservations(
  deps: InventoryDeps,
  sku: string,
  limit = 50,
): Promise<Reservation[]> {
  await getStock(deps, sku);
  return deps.repository.findActiveReservations(
    sku,
    requireInteger(limit, 'limit', 'INVENTORY.INVALID_LIMIT', 1, 500),
  );
}

/** A reservation by id; 404 `INVENTORY.RESERVATION_NOT_FOUND` when unknown. */
export async function getReservation(deps: InventoryDeps, reservationId: string): Promise<Reservation> {
  const id = requireReservationId(reservationId, 'id');
  const reservation = await deps.repository.findReservation(id);
  if (!reservation) throw reservationNotFound(id);
  return reservation;
}
