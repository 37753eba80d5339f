import { afterWrite, writeContext, type InventoryDeps } from './inventory-deps.ts';

/**
 * Expires every active reservation past its expiry at the clock's current time, returning its stock,
 * in batches of `batchSize`. Returns how many this call expired. Safe to run from several processes:
 * each expiry is conditional, so a reservation committed or expired meanwhile is left alone.
 */
export async function expireReservations(deps: InventoryDeps, batchSize = 100): Promise<number> {
  let expired = 0;
  for (;;) {
    const ids = await deps.repository.findExpiredReservations(deps.clock.now(), batchSize);
    for (const id of ids) {
      const transition = await deps.repository.expireReservation(id, writeContext(deps, id));
      if (transition && transition.changes.length > 0) expired += 1;
      afterWrite(deps, transition?.changes ?? []);
    }
    if (ids.length < batchSize) return expired;
  }
}
