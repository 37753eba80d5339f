import { AppError } from '@polyshop/kernel';
import type {
  ReserveStockOutcome,
  StockReservations,
  StockShortage,
} from '../../ports/stock-reservations.ts';

/** The part of `@polyshop/inventory`'s `InventoryClient` the saga uses (structurally). */
export interface InventoryApi {
  reserve(request: {
    reservationId: string;
    items: { sku: string; quantity: number }[];
    ttlSeconds: number;
  }): Promise<{ status: 'reserved' } | { status: 'insufficient_stock'; shortages: StockShortage[] }>;
  commit(reservationId: string): Promise<unknown>;
  release(reservationId: string): Promise<unknown>;
  /** Puts the stock of a committed reservation back on hand, once (repeating it changes nothing). */
  returnReservation(reservationId: string, input: { reason: string }): Promise<unknown>;
}

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
