import { AppError } from '@polyshop/kernel';
import { reservationNotFound } from '../domain/inventory-errors.ts';
import { requireReservationId } from '../domain/limits.ts';
import type { Reservation } from '../domain/reservation.ts';
import { afterWrite, writeContext, type InventoryDeps } from './inventory-deps.ts';

/**
 * Releases a reservation: its stock returns. Releasing twice, or releasing an expired reservation or
 * one whose committed stock was already returned, changes nothing and succeeds (returning it as it
 * is: nothing is held either way). Refused with 409 `INVENTORY.RESERVATION_COMMITTED` after a commit
 * (the stock has left; `returnReservation` puts it back). 404 when unknown.
 */
export async function releaseReservation(deps: InventoryDeps, reservationId: string): Promise<Reservation> {
  const id = requireReservationId(reservationId, 'id');
  const transition = await deps.repository.releaseReservation(id, writeContext(deps, id));
  if (!transition) throw reservationNotFound(id);
  afterWrite(deps, transition.changes);
  if (transition.reservation.status === 'committed') {
    throw AppError.conflict(
      'INVENTORY.RESERVATION_COMMITTED',
      `Reservation ${id} was committed; its stock has left and cannot be released.`,
      {
        field: 'id',
        details: { reservationId: id },
      },
    );
  }
  return transition.reservation;
}
