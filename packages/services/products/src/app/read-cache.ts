import { LRUCache } from 'lru-cache';

export interface ReadCacheOptions {
  /** Most entries kept (least recently used go first); 0 turns the cache off. */
  maxEntries: number;
  /** Longest an entry is served, in ms: the bound for changes no event announces. */
  ttlMs: number;
}

/**
 * A read-through cache of answers that any catalogue write may change, dropped whole by `invalidate()`
 * (a write of this instance, before it answers; a `product.*` event from another one).
 *
 * - A read that started before an invalidation never stores its answer (a generation counter), so an
 *   answer computed from data older than the last write is never kept.
 * - Concurrent misses of one key share one computation, unless an invalidation came in between.
 */
export class ReadCache<V extends NonNullable<unknown>> {
  readonly #entries: LRUCache<string, V> | undefined;
  readonly #pending = new Map<string, Promise<V>>();
  #generation = 0;

  constructor(options: ReadCacheOptions) {
    this.#entries =
      options.maxEntries > 0 ? new LRUCache({ max: options.maxEntries, ttl: options.ttlMs }) : undefined;
  }

  /** The cached answer for `key`, or `compute()`'s (kept when no invalidation happened meanwhile). */
  read(key: string, compute: () => Promise<V>): Promise<V> {
    const entries = this.#entries;
    if (!entries) return compute();
    const hit = entries.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const generation = this.#generation;
    const computing = compute().then(
      (value) => {
        if (generation === this.#generation) {
          entries.set(key, value);
          this.#pending.delete(key);
        }
        return value;
      },
      (error: unknown) => {
        if (generation === this.#generation) this.#pending.delete(key);
        throw error;
      },
    );
    this.#pending.set(key, computing);
    return computing;
  }

  /** Forgets every answer, and any being computed: the next read of each key goes to the store. */
  invalidate(): void {
    this.#generation += 1;
    this.#pending.clear();
    this.#entries?.clear();
  }

  /** How many answers are held (for tests and metrics). */
  get size(): number {
    return this.#entries?.size ?? 0;
  }
}
