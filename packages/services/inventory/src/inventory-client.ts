import { AppError, type Logger } from '@polyshop/kernel';
import { ServiceHttpClient } from '@polyshop/http';
import { commitReservation } from './app/commit-reservation.ts';
import type { InventoryDeps } from './app/inventory-deps.ts';
import { adjustStock } from './app/adjust-stock.ts';
import { toReservationView, toStockView, type AdjustmentView, type ReservationView, type StockView } from './app/inventory-views.ts';
import { findStocks, getReservation, listAdjustments } from './app/read-inventory.ts';
import { releaseReservation } from './app/release-reservation.ts';
import { reserveStock } from './app/reserve-stock.ts';
import { MAX_SKUS_PER_READ } from './domain/limits.ts';
import type { ReservationRequest, StockShortage } from './domain/reservation.ts';

/**
 * The outcome of a reservation. Insufficient stock is an expected business outcome, not an error:
 * nothing was reserved and `shortages` names each short SKU with what was available.
 * A retry with the same `reservationId` and body returns the reservation as it now is.
 */
export type ReservationResult =
  | { status: 'reserved'; reservation: ReservationView }
  | { status: 'insufficient_stock'; shortages: StockShortage[] };

/**
 * How other services (the order saga) use inventory: in-process (the module's `client`) or over HTTP
 * (`definition.httpClient`). Both behave alike and throw the same AppErrors. Every write is idempotent
 * for a given reservation id, so a saga step may be repeated.
 */
export interface InventoryClient {
  /**
   * Reserves all items or none for `ttlSeconds` (1–86400). Throws 409 `INVENTORY.RESERVATION_MISMATCH`
   * when the id was used with other items or ttl; 400 for invalid input.
   */
  reserve(request: ReservationRequest): Promise<ReservationResult>;
  /**
   * Commits the reservation (its stock leaves). Repeating it returns the same reservation. Throws 409
   * `INVENTORY.RESERVATION_EXPIRED` / `INVENTORY.RESERVATION_RELEASED`, 404 `INVENTORY.RESERVATION_NOT_FOUND`.
   */
  commit(reservationId: string): Promise<ReservationView>;
  /**
   * Releases the reservation (its stock returns). Repeating it, or releasing an expired one, succeeds
   * and changes nothing. Throws 409 `INVENTORY.RESERVATION_COMMITTED`, 404 `INVENTORY.RESERVATION_NOT_FOUND`.
   */
  release(reservationId: string): Promise<ReservationView>;
  /** Stock of the known SKUs among `skus` (unknown ones are absent), in SKU order. */
  getStock(skus: readonly string[]): Promise<StockView[]>;
  /**
   * Puts the stock of a committed reservation back on hand (an order cancelled after its stock
   * left): each SKU's quantity rises by its reserved units, recorded in the adjustment history as
   * `reservation <id> returned: <reason>`. Repeating it changes nothing (the history is checked first).
   * Throws 409 `INVENTORY.RESERVATION_NOT_COMMITTED` unless committed, 404 when unknown.
   * (Added for the order service's cancellation; see `returnCommittedStock`.)
   */
  returnReservation(reservationId: string, input: { reason: string }): Promise<ReservationView>;
}

/** The in-process client: the same use cases the HTTP routes call. */
export function localInventoryClient(deps: InventoryDeps): InventoryClient {
  return {
    async reserve(request) {
      const result = await reserveStock(deps, request);
      return result.status === 'reserved' ? { status: 'reserved', reservation: toReservationView(result.reservation) } : result;
    },
    commit: async (id) => toReservationView(await commitReservation(deps, id)),
    release: async (id) => toReservationView(await releaseReservation(deps, id)),
    async getStock(skus) {
      const found: StockView[] = [];
      for (const batch of batches(skus)) found.push(...(await findStocks(deps, batch)).items.map(toStockView));
      return bySku(found);
    },
    returnReservation: (id, input) =>
      returnCommittedStock(
        {
          reservation: async (rid) => toReservationView(await getReservation(deps, rid)),
          history: async (sku) => (await listAdjustments(deps, sku, MAX_HISTORY)).map((a) => a.reason),
          adjust: (sku, delta, reason) => adjustStock(deps, { sku, delta, reason }),
        },
        id,
        input.reason,
      ),
  };
}

const MAX_HISTORY = 500;

/**
 * `returnReservation` over any transport. Idempotent through the adjustment history: a SKU whose
 * history already holds this reservation's return marker is skipped, so a retry after a crash
 * between two SKUs finishes the rest. Not atomic across SKUs, and two callers racing on the same
 * reservation could both add stock; the order saga's lease keeps to one caller. A `returned` status on
 * the reservation, set in the same write as the stock, would make it atomic.
 */
async function returnCommittedStock(
  io: {
    reservation(id: string): Promise<ReservationView>;
    history(sku: string): Promise<string[]>;
    adjust(sku: string, delta: number, reason: string): Promise<unknown>;
  },
  reservationId: string,
  reason: string,
): Promise<ReservationView> {
  const reservation = await io.reservation(reservationId);
  if (reservation.status !== 'committed') {
    throw AppError.conflict('INVENTORY.RESERVATION_NOT_COMMITTED', `Reservation ${reservationId} is ${reservation.status}; only committed stock can be returned.`, {
      field: 'id',
      details: { reservationId, status: reservation.status },
    });
  }
  const marker = `reservation ${reservationId} returned`;
  for (const item of reservation.items) {
    if ((await io.history(item.sku)).some((entry) => entry.startsWith(marker))) continue;
    await io.adjust(item.sku, item.quantity, `${marker}: ${reason}`.slice(0, 500));
  }
  return reservation;
}

/**
 * `InventoryClient` over HTTP (multi-process mode), authenticated with `POLYSHOP_INTERNAL_TOKEN`
 * (writes need `inventory:write`). Reserve, commit and release are idempotent, so they are retried on
 * transient failures.
 */
export class InventoryHttpClient implements InventoryClient {
  readonly #http: ServiceHttpClient;

  constructor(baseUrl: string, options: { logger?: Logger; internalToken?: () => string | undefined } = {}) {
    this.#http = new ServiceHttpClient({
      baseUrl,
      ...(options.logger ? { logger: options.logger } : {}),
      token: options.internalToken ?? (() => process.env.POLYSHOP_INTERNAL_TOKEN),
    });
  }

  async reserve(request: ReservationRequest): Promise<ReservationResult> {
    try {
      const reservation = await this.#http.request<ReservationView>({ method: 'POST', path: '/inventory/reservations', body: request, idempotent: true });
      return { status: 'reserved', reservation };
    } catch (error) {
      if (error instanceof AppError && error.code === 'INVENTORY.INSUFFICIENT_STOCK') {
        return { status: 'insufficient_stock', shortages: (error.details?.shortages ?? []) as StockShortage[] };
      }
      throw error;
    }
  }

  commit(reservationId: string): Promise<ReservationView> {
    return this.#http.request({ method: 'POST', path: `/inventory/reservations/${encodeURIComponent(reservationId)}/commit`, idempotent: true });
  }

  release(reservationId: string): Promise<ReservationView> {
    return this.#http.request({ method: 'DELETE', path: `/inventory/reservations/${encodeURIComponent(reservationId)}`, idempotent: true });
  }

  returnReservation(reservationId: string, input: { reason: string }): Promise<ReservationView> {
    const sku = (value: string) => encodeURIComponent(value);
    return returnCommittedStock(
      {
        reservation: (id) => this.#http.request<ReservationView>({ path: `/inventory/reservations/${encodeURIComponent(id)}` }),
        history: async (s) =>
          (await this.#http.request<{ items: AdjustmentView[] }>({ path: `/inventory/${sku(s)}/adjustments?limit=${MAX_HISTORY}` })).items.map((a) => a.reason),
        adjust: (s, delta, reason) => this.#http.request({ method: 'POST', path: `/inventory/${sku(s)}/adjust`, body: { delta, reason } }),
      },
      reservationId,
      input.reason,
    );
  }

  async getStock(skus: readonly string[]): Promise<StockView[]> {
    const found: StockView[] = [];
    for (const batch of batches(skus)) {
      const query = new URLSearchParams({ skus: batch.join(',') });
      found.push(...(await this.#http.request<{ items: StockView[] }>({ path: `/inventory?${query}` })).items);
    }
    return bySku(found);
  }
}

/** Distinct SKUs in reads of at most 100. */
function batches(skus: readonly string[]): string[][] {
  const unique = [...new Set(skus)];
  const out: string[][] = [];
  for (let start = 0; start < unique.length; start += MAX_SKUS_PER_READ) out.push(unique.slice(start, start + MAX_SKUS_PER_READ));
  return out;
}

function bySku(levels: StockView[]): StockView[] {
  return levels.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}
