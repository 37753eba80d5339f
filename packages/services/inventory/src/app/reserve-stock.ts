import { AppError } from '@polyshop/kernel';
import {
  isSameRequest,
  newReservation,
  type Reservation,
  type ReservationRequest,
  type StockShortage,
} from '../domain/reservation.ts';
import { afterWrite, writeContext, type InventoryDeps } from './inventory-deps.ts';

/**
 * `reserved`: every item is held (or this was a retry of a request already accepted: `replayed`,
 * and the reservation is returned as it now is). `insufficient_stock`: nothing is held.
 */
export type ReserveStockResult =
  | { status: 'reserved'; reservation: Reservation; replayed: boolean }
  | { status: 'insufficient_stock'; shortages: StockShortage[] };

/**
 * Reserves all items or none. Insufficient stock is an expected outcome, returned rather than thrown;
 * the same reservation id with a different body is a conflict (`INVENTORY.RESERVATION_MISMATCH`).
 */
export async function reserveStock(
  deps: InventoryDeps,
  request: ReservationRequest,
): Promise<ReserveStockResult> {
  const context = writeContext(deps, request?.reservationId);
  const reservation = newReservation(request, context.now);
  const outcome = await deps.repository.reserve(reservation, context);
  switch (outcome.status) {
    case 'reserved':
      afterWrite(deps, outcome.changes);
      deps.reservationSettled?.('reserved');
      return { status: 'reserved', reservation: outcome.reservation, replayed: false };
    case 'insufficient_stock':
      deps.reservationSettled?.('insufficient_stock');
      return outcome;
    case 'exists':
      if (!isSameRequest(outcome.reservation, reservation)) {
        deps.reservationSettled?.('mismatch');
        throw AppError.conflict(
          'INVENTORY.RESERVATION_MISMATCH',
          `Reservation ${reservation.id} already exists with different items or ttlSeconds; use a new reservationId.`,
          { field: 'reservationId', details: { reservationId: reservation.id } },
        );
      }
      deps.reservationSettled?.('replayed');
      return { status: 'reserved', reservation: outcome.reservation, replayed: true };
  }
}
