/**
 * Paces work to `rate` units per second: `take(n)` resolves once `n` units are allowed. The bucket
 * holds at most one second's worth and starts empty, so n units over a run take at least about
 * n / rate seconds. A wait is one timer (no busy loop) and ends early, resolving `false`, when
 * `signal` aborts. A rate of undefined lets everything through at once.
 */
export class TokenBucket {
  #rate: number | undefined;
  #tokens = 0;
  #at = performance.now();

  constructor(rate: number | undefined) {
    this.#rate = rate;
  }

  /** Changes the rate from now on (the units already owed are paid at the new rate). */
  setRate(rate: number | undefined): void {
    this.#refill();
    this.#rate = rate;
  }

  /** Waits until `n` units may go; `false` when `signal` aborted the wait first. */
  async take(n: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return false;
    const rate = this.#rate;
    if (rate === undefined) return true;
    this.#refill();
    this.#tokens -= n;
    if (this.#tokens >= 0) return true;
    const waitMs = (-this.#tokens / rate) * 1000;
    return sleep(waitMs, signal);
  }

  #refill(): void {
    const now = performance.now();
    if (this.#rate !== undefined) {
      this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    }
    this.#at = now;
  }
}

/** Resolves `true` after `ms`, or `false` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
