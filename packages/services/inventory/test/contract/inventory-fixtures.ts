import { randomBytes } from 'node:crypto';
import type { EventEnvelope } from '@polyshop/kernel';
import { newReservation, type NewReservation, type ReservationItem } from '../../src/domain/reservation.ts';
import type { StockChange } from '../../src/domain/stock-level.ts';
import type { InventoryRepository, WriteContext } from '../../src/ports/inventory-repository.ts';

/** What a contract run needs from an adapter: a repository on a fresh store, and how to close it. */
export interface InventoryRepositoryFixture {
  repository: InventoryRepository;
  close(): Promise<void>;
}

export type MakeInventoryRepository = () => Promise<InventoryRepositoryFixture>;

/** The contract's fixed start of time; tests move it by hand. */
export const T0 = new Date('2026-03-01T12:00:00.000Z');

export function at(secondsAfterT0: number): Date {
  return new Date(T0.getTime() + secondsAfterT0 * 1000);
}

/** A SKU no other test uses (tests share one store). */
export function aSku(label = 'sku'): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

export function aReservationId(): string {
  return `res-${randomBytes(8).toString('hex')}`;
}

/**
 * A valid reservation made at `now` (default T0), 60 s ttl unless told. Items stay in the order given
 * (not sorted as the use case would), so adapters are tested with SKUs in any order.
 */
export function aReservation(
  items: ReservationItem[],
  options: { id?: string; ttlSeconds?: number; now?: Date } = {},
): NewReservation {
  const valid = newReservation(
    { reservationId: options.id ?? aReservationId(), items, ttlSeconds: options.ttlSeconds ?? 60 },
    options.now ?? T0,
  );
  return { ...valid, items: items.map((item) => ({ ...item })) };
}

/** A write context that remembers every batch of changes it was asked to derive events from. */
export function recordingContext(now: Date = T0): WriteContext & { calls: StockChange[][] } {
  const calls: StockChange[][] = [];
  return {
    now,
    calls,
    events: (changes): EventEnvelope[] => {
      calls.push([...changes]);
      return [];
    },
  };
}

/** Stock for a test: a fresh SKU set to `quantity`. */
export async function stocked(
  repository: InventoryRepository,
  quantity: number,
  label?: string,
): Promise<string> {
  const sku = aSku(label);
  await repository.setQuantity({ sku, quantity, reason: 'test stock' }, { now: T0 });
  return sku;
}
