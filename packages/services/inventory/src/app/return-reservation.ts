import { AppError } from '@polyshop/kernel';
import { reservationNotFound } from '../domain/inventory-errors.ts';
import { requireReason, requireReservationId } from '../domain/limits.ts';
import type { Reservation } from '../domain/reservation.ts';
import { afterWrite, writeContext, type InventoryDeps } from './inventory-deps.ts';

export interface ReturnReservationCommand {
  /** Why the stock comes back (kept in each SKU's adjustment history). */
  reason: string;
  actor?: string | undefined;
}

/**
 * Puts a committed reservation's stock back on hand (an order cancelled after its stock left): the
 * reservation becomes `returned` and every SKU's quantity rises by its units, atomically, with an
 * adjustment-history entry (kind `return`) and `inventory.changed` per SKU. Returning it again
 * changes nothing and answers the same reservation. 409 `INVENTORY.RESERVATION_NOT_COMMITTED` for an
 * active, released or expired reservation; 404 when unknown.
 */
export async function returnReservation(
  deps: InventoryDeps,
  reservationId: string,
  command: ReturnReservationCommand,
): Promise<Reservation> {
  const id = requireReservationId(reservationId, 'id');
  const reason = requireReason(command?.reason);
  const transition = await deps.repository.returnReservation(
    id,
    { reason, actor: command.actor },
    writeContext(deps, id),
  );
  if (!transition) throw reservationNotFound(id);
  afterWrite(deps, transition.changes);
  const { reservation } = transition;
  if (reservation.status !== 'returned') {
    throw AppError.conflict(
      'INVENTORY.RESERVATION_NOT_COMMITTED',
      `Reservation ${id} is ${reservation.status}; only a committed reservation's stock can be returned.`,
      {
        field: 'id',
        details: { reservationId: id, reservationStatus: reservation.status },
      },
    );
  }
  return reservation;
}
