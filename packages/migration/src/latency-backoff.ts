/** How `LatencyBackoff` decides; every field has a default. */
export interface LatencyBackoffOptions {
  /**
   * The live p99 (ms) above which the backfill slows down. Default: twice the p99 measured before
   * the backfill began (`baselineP99Ms`), and at least `minThresholdMs`; without either, no back-off.
   */
  maxP99Ms?: number;
  /** The live p99 before the backfill began (ms), e.g. `p99(window.samples())` at its start. */
  baselineP99Ms?: number;
  /** The lowest threshold derived from the baseline (default 50 ms): a fast service's noise is not a rise. */
  minThresholdMs?: number;
  /** Fewer samples than this in the window: no decision, the factor stays (default 20). */
  minSamples?: number;
  /** Per batch with the p99 at or under the threshold, the factor grows by this much, up to 1 (default 0.1). */
  recoverStep?: number;
  /** The factor never drops below this (default 1/64): the backfill slows down but keeps going. */
  minFactor?: number;
  /** The rate (records/s) halved when the backfill is unthrottled (`--rate` not set) (default 1000). */
  unthrottledRate?: number;
}

/** The 99th percentile of `samples` (nearest rank), or undefined when there are none. */
export function p99(samples: readonly number[]): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
}

/**
 * Backs a backfill off while the service's live p99 is high: each batch, it looks at the latencies
 * of the live requests in a recent window; above the threshold, it halves the rate (down to
 * `minFactor` of it), at or under it, it gives back `recoverStep` of the rate (additive increase,
 * multiplicative decrease: quick to yield, slow to come back). Plug `throttle` into
 * `BackfillOptions.throttle`. Holds no timer and reads no clock: the decisions depend only on the
 * samples it is given.
 */
export class LatencyBackoff {
  /** The p99 above which it backs off (ms); undefined: never (no threshold and no baseline). */
  readonly threshold: number | undefined;
  readonly #samples: () => readonly number[];
  readonly #minSamples: number;
  readonly #recoverStep: number;
  readonly #minFactor: number;
  readonly #unthrottledRate: number;
  #factor = 1;
  #lastP99: number | undefined;

  /** `samples`: the live request latencies (ms) of the recent window, read before every batch. */
  constructor(samples: () => readonly number[], options: LatencyBackoffOptions = {}) {
    this.#samples = samples;
    this.#minSamples = options.minSamples ?? 20;
    this.#recoverStep = options.recoverStep ?? 0.1;
    this.#minFactor = options.minFactor ?? 1 / 64;
    this.#unthrottledRate = options.unthrottledRate ?? 1000;
    this.threshold =
      options.maxP99Ms ??
      (options.baselineP99Ms === undefined
        ? undefined
        : Math.max(2 * options.baselineP99Ms, options.minThresholdMs ?? 50));
  }

  /** The share of the rate in force now (1: full rate). */
  get factor(): number {
    return this.#factor;
  }

  /** The p99 of the window at the last decision (undefined: too few samples). */
  get lastP99(): number | undefined {
    return this.#lastP99;
  }

  /** Updates the factor from the window's p99 (undefined or too few samples: unchanged) and returns it. */
  decide(samples: readonly number[]): number {
    this.#lastP99 = samples.length >= this.#minSamples ? p99(samples) : undefined;
    if (this.threshold === undefined || this.#lastP99 === undefined) return this.#factor;
    this.#factor =
      this.#lastP99 > this.threshold
        ? Math.max(this.#minFactor, this.#factor / 2)
        : Math.min(1, this.#factor + this.#recoverStep);
    return this.#factor;
  }

  /** `BackfillOptions.throttle`: the configured rate times the factor (whole records/s, at least 1). */
  readonly throttle = (rate: number | undefined): number | undefined => {
    const factor = this.decide(this.#samples());
    if (factor >= 1) return rate;
    return Math.max(1, Math.floor((rate ?? this.#unthrottledRate) * factor));
  };
}
