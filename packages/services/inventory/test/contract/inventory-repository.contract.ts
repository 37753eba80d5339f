import { after, before, describe } from 'node:test';
import type { InventoryRepository } from '../../src/ports/inventory-repository.ts';
import { concurrencyCases } from './concurrency.contract.ts';
import type { InventoryRepositoryFixture, MakeInventoryRepository } from './inventory-fixtures.ts';
import { reservationCases } from './reservations.contract.ts';
import { returnCases } from './returns.contract.ts';
import { stockLevelCases } from './stock-levels.contract.ts';

export type { InventoryRepositoryFixture, MakeInventoryRepository } from './inventory-fixtures.ts';

/**
 * The behaviour every `InventoryRepository` adapter must have (PostgreSQL now, DynamoDB later),
 * tested through the port only. `makeRepo` opens a fresh, empty store; tests share it and use their
 * own SKUs and reservation ids. Call it inside a `describe` naming the adapter.
 */
export function inventoryRepositoryContract(makeRepo: MakeInventoryRepository): void {
  let fixture: InventoryRepositoryFixture | undefined;
  const repo = (): InventoryRepository => {
    if (!fixture) throw new Error('the repository fixture did not open');
    return fixture.repository;
  };
  before(async () => {
    fixture = await makeRepo();
  });
  after(async () => {
    await fixture?.close();
  });
  describe('stock levels', () => stockLevelCases(repo));
  describe('reservations', () => reservationCases(repo));
  describe('returns', () => returnCases(repo));
  describe('concurrency', () => concurrencyCases(repo));
}
