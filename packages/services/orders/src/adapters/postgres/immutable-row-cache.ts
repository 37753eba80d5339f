/**
 * Rows that are written once and never updated nor deleted (an order's lines), kept by key so that a
 * process need not read them again: no invalidation is needed, since they cannot change. Holds at
 * most `capacity` keys, dropping the oldest first.
 */
export class ImmutableRowCache<T> {
  readonly #capacity: number;
  readonly #rows = new Map<string, T>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  has(key: string): boolean {
    return this.#rows.has(key);
  }

  get(key: string): T | undefined {
    return this.#rows.get(key);
  }

  remember(key: string, rows: T): void {
    this.#rows.delete(key);
    this.#rows.set(key, rows);
    if (this.#rows.size > this.#capacity) this.#rows.delete(this.#rows.keys().next().value!);
  }
}
