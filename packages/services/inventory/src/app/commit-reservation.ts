import { AppError } from '@polyshop/kernel';
import { reservationNotFound } from '../domain/inventory-errors.ts';
import { requireReservationId } from '../domain/limits.ts';
import type { Reservation } from '../domain/reservation.ts';
import { afterWrite, writeContext, type InventoryDeps } from './inventory-deps.ts';

/**
 * Commits a reservation: its stock leaves (quantity and reserved both drop). Committing twice returns
 * the same reservation. Refused with 409 `INVENTORY.RESERVATION_EXPIRED` once it has expired (an
 * active reservation found past its expiry is expired on the spot, returning its stock),
 * `INVENTORY.RESERVATION_RELEASED` after a release and `INVENTORY.RESERVATION_RETURNED` after its
 * stock was returned. 404 when unknown.
 */
export async function commitReservation(deps: InventoryDeps, reservationId: string): Promise<Reservation> {
  const id = requireReservationId(reservationId, 'id');
  const transition = await deps.repository.commitReservation(id, writeContext(deps, id));
  if (!transition) throw reservationNotFound(id);
  afterWrite(deps, transition.changes);
  const { reservation } = transition;
  if (reservation.status === 'expired') {
    const expiresAt = reservation.expiresAt.toISOString();
    throw AppError.conflict(
      'INVENTORY.RESERVATION_EXPIRED',
      `Reservation ${id} expired at ${expiresAt}; its stock was returned.`,
      {
        field: 'id',
        details: { reservationId: id, expiresAt },
      },
    );
  }
  if (reservation.status === 'released') {
    throw AppError.conflict(
      'INVENTORY.RESERVATION_RELEASED',
      `Reservation ${id} was released and cannot be committed.`,
      {
        field: 'id',
        details: { reservationId: id },
      },
    );
  }
  if (reservation.status === 'returned') {
    throw AppError.conflict(
      'INVENTORY.RESERVATION_RETURNED',
      `Reservation ${id} was committed and its stock returned; it cannot be committed again.`,
      {
        field: 'id',
        details: { reservationId: id },
      },
    );
  }
  return reservation;
}
