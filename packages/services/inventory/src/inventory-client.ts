import { AppError } from '@polyshop/kernel';
import { ServiceHttpClient, type InternalClientOptions } from '@polyshop/http';
import { commitReservation } from './app/commit-reservation.ts';
import type { InventoryDeps } from './app/inventory-deps.ts';
import {
  toReservationView,
  toStockView,
  type ReservationView,
  type StockView,
} from './app/inventory-views.ts';
import { findStocks } from './app/read-inventory.ts';
import { releaseReservation } from './app/release-reservation.ts';
import { reserveStock } from './app/reserve-stock.ts';
import { returnReservation } from './app/return-reservation.ts';
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
   * Releases the reservation (its stock returns). Repeating it, or releasing an expired or returned
   * one, succeeds and changes nothing. Throws 409 `INVENTORY.RESERVATION_COMMITTED`, 404
   * `INVENTORY.RESERVATION_NOT_FOUND`.
   */
  release(reservationId: string): Promise<ReservationView>;
  /** Stock of the known SKUs among `skus` (unknown ones are absent), in SKU order. */
  getStock(skus: readonly string[]): Promise<StockView[]>;
  /**
   * Puts the stock of a committed reservation back on hand (an order cancelled after its stock
   * left), atomically: the reservation becomes `returned` and each SKU's quantity rises by its units,
   * recorded in the SKU's adjustment history (kind `return`, with `reason`) and as `inventory.changed`.
   * Repeating it changes nothing and returns the same reservation, so it may be retried.
   * Throws 409 `INVENTORY.RESERVATION_NOT_COMMITTED` for an active, released or expired reservation,
   * 404 `INVENTORY.RESERVATION_NOT_FOUND` when unknown.
   */
  returnReservation(reservationId: string, input: { reason: string }): Promise<ReservationView>;
}

/** The in-process client: the same use cases the HTTP routes call. */
export function localInventoryClient(deps: InventoryDeps): InventoryClient {
  return {
    async reserve(request) {
      const result = await reserveStock(deps, request);
      return result.status === 'reserved'
        ? { status: 'reserved', reservation: toReservationView(result.reservation) }
        : result;
    },
    commit: async (id) => toReservationView(await commitReservation(deps, id)),
    release: async (id) => toReservationView(await releaseReservation(deps, id)),
    async getStock(skus) {
      const found: StockView[] = [];
      for (const batch of batches(skus))
        found.push(...(await findStocks(deps, batch)).items.map(toStockView));
      return bySku(found);
    },
    returnReservation: async (id, input) =>
      toReservationView(await returnReservation(deps, id, { reason: input?.reason })),
  };
}

/**
 * `InventoryClient` over HTTP (multi-process mode), authenticated with `POLYSHOP_INTERNAL_TOKEN`
 * (writes need `inventory:write`). Reserve, commit, release and return are idempotent, so they are
 * retried on transient failures.
 */
export class InventoryHttpClient implements InventoryClient {
  readonly #http: ServiceHttpClient;

  constructor(baseUrl: string, options: InternalClientOptions = {}) {
    this.#http = ServiceHttpClient.internal(baseUrl, options);
  }

  async reserve(request: ReservationRequest): Promise<ReservationResult> {
    try {
      const reservation = await this.#http.request<ReservationView>({
        method: 'POST',
        path: '/inventory/reservations',
        body: request,
        idempotent: true,
      });
      return { status: 'reserved', reservation };
    } catch (error) {
      if (error instanceof AppError && error.code === 'INVENTORY.INSUFFICIENT_STOCK') {
        return {
          status: 'insufficient_stock',
          shortages: (error.details?.shortages ?? []) as StockShortage[],
        };
      }
      throw error;
    }
  }

  commit(reservationId: string): Promise<ReservationView> {
    return this.#http.request({
      method: 'POST',
      path: `/inventory/reservations/${encodeURIComponent(reservationId)}/commit`,
      idempotent: true,
    });
  }

  release(reservationId: string): Promise<ReservationView> {
    return this.#http.request({
      method: 'DELETE',
      path: `/inventory/reservations/${encodeURIComponent(reservationId)}`,
      idempotent: true,
    });
  }

  returnReservation(reservationId: string, input: { reason: string }): Promise<ReservationView> {
    return this.#http.request({
      method: 'POST',
      path: `/inventory/reservations/${encodeURIComponent(reservationId)}/return`,
      body: { reason: input.reason },
      idempotent: true,
    });
  }

  async getStock(skus: readonly string[]): Promise<StockView[]> {
    const found: StockView[] = [];
    for (const batch of batches(skus)) {
      const query = new URLSearchParams({ skus: batch.join(',') });
      found.push(
        ...(await this.#http.request<{ items: StockView[] }>({ path: `/inventory?${query.toString()}` }))
          .items,
      );
    }
    return bySku(found);
  }
}

/** Distinct SKUs in reads of at most 100. */
function batches(skus: readonly string[]): string[][] {
  const unique = [...new Set(skus)];
  const out: string[][] = [];
  for (let start = 0; start < unique.length; start += MAX_SKUS_PER_READ)
    out.push(unique.slice(start, start + MAX_SKUS_PER_READ));
  return out;
}

function bySku(levels: StockView[]): StockView[] {
  return levels.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}
