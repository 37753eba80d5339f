import type { InventoryClient } from '@polyshop/inventory';
import { AppError } from '@polyshop/kernel';
import type { ReserveStockOutcome, StockReservations } from '../../ports/stock-reservations.ts';

/** The part of inventory's client the saga uses: a change there breaks this build. */
export type InventoryApi = Pick<InventoryClient, 'reserve' | 'commit' | 'release' | 'returnReservation'>;

/**
 * The inventory service's client as the saga's `StockReservations`. Giving stock back releases an
 * active reservation or returns a committed one, and tolerates a reservation that never reached the
 * inventory (404): the saga may compensate a reservation whose request was lost.
 */
export class InventoryClientReservations implements StockReservations {
  readonly #client: InventoryApi;

  constructor(client: InventoryApi) {
    this.#client = client;
  }

  async reserve(request: Parameters<InventoryApi['reserve']>[0]): Promise<ReserveStockOutcome> {
    const outcome = await this.#client.reserve(request);
    return outcome.status === 'reserved'
      ? { status: 'reserved' }
      : { status: 'insufficient_stock', shortages: outcome.shortages };
  }

  async commit(reservationId: string): Promise<void> {
    await this.#client.commit(reservationId);
  }

  async giveBack(reservationId: string, reason: string): Promise<void> {
    try {
      await this.#client.release(reservationId);
    } catch (error) {
      if (error instanceof AppError && error.kind === 'not_found') return;
      if (!(error instanceof AppError) || error.code !== 'INVENTORY.RESERVATION_COMMITTED') throw error;
      // Committed (a cancelled order, or a capture refused after the commit): put the stock back.
      await this.#client.returnReservation(reservationId, { reason });
    }
  }
}
