/**
 * The latencies (ms) of the last requests an app answered, with when each ended: a fixed-size ring,
 * so recording is O(1) and memory bounded. `samples(windowMs)` gives those of the recent window, e.g.
 * for a backfill to back off while the live p99 is high (`LatencyBackoff` in @polyshop/migration).
 */
export class LatencyWindow {
  readonly #latencies: Float64Array;
  readonly #endedAt: Float64Array;
  #next = 0;
  #size = 0;

  constructor(capacity = 4096) {
    this.#latencies = new Float64Array(capacity);
    this.#endedAt = new Float64Array(capacity);
  }

  /** Records a request that took `ms` and ended at `at` (`performance.now()` time). */
  record(ms: number, at = performance.now()): void {
    this.#latencies[this.#next] = ms;
    this.#endedAt[this.#next] = at;
    this.#next = (this.#next + 1) % this.#latencies.length;
    this.#size = Math.min(this.#size + 1, this.#latencies.length);
  }

  /** The latencies of the requests that ended within the last `windowMs` (default 10 s) before `now`. */
  samples(windowMs = 10_000, now = performance.now()): number[] {
    const found: number[] = [];
    for (let i = 0; i < this.#size; i++) {
      if (now - this.#endedAt[i]! <= windowMs) found.push(this.#latencies[i]!);
    }
    return found;
  }
}
