import type { StockChange } from '../../domain/stock-level.ts';
import type { StockRow } from './inventory-tables.ts';

/**
 * Each SKU's `inventory.stock` row as this process's latest write of it left it: the precondition of
 * the one-statement reservation (`reserveOnKnownStock`), which applies only while the row is still at
 * that version. Knowledge that is out of date costs a refused statement, never a wrong answer.
 * Bounded: past `capacity` SKUs, the one remembered longest ago is forgotten.
 */
export class KnownStockRows {
  readonly #rows = new Map<string, StockRow>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  get(sku: string): StockRow | undefined {
    return this.#rows.get(sku);
  }

  /** Remembers a row; a write that finished after a newer one (a lower version) is ignored. */
  set(row: StockRow): void {
    const current = this.#rows.get(row.sku);
    if (current && current.version > row.version) return;
    this.#rows.delete(row.sku);
    this.#rows.set(row.sku, row);
    if (this.#rows.size > this.#capacity) this.#rows.delete(this.#rows.keys().next().value!);
  }

  /** Remembers the rows a write left, from its stock changes. */
  remember(changes: readonly StockChange[] | undefined): void {
    for (const { after } of changes ?? []) {
      this.set({
        sku: after.sku,
        quantity: after.quantity,
        reserved: after.reserved,
        version: after.version,
        updated_at: after.updatedAt,
      });
    }
  }
}
