/** How long `eventually` polls, and what a timeout says. */
export interface EventuallyOptions {
  /** Give up after this long (default 20 000 ms): the bound turns a hang into a clear failure. */
  timeoutMs?: number;
  /** Pause between two checks (default 20 ms). */
  intervalMs?: number;
  /** What was awaited, for the failure message (`'the order to be confirmed'`). */
  message?: string;
}

/** A value a check passes with. */
export type Passed<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Polls `check` until it passes and resolves to the value it passed with. A check passes when it
 * returns (or resolves to) a truthy value; returning a falsy value or throwing (an `assert` that
 * does not hold yet) means "not yet" — an assert-style check ends with `return true`. After
 * `timeoutMs` it rejects naming `message`, with the last error as `cause`. For asynchronous delivery
 * (relays, workers, buses) only: it bounds a wait, it asserts nothing about timing.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<Passed<T>> {
  const { timeoutMs = 20_000, intervalMs = 20, message = 'a condition' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let lastError: unknown;
    try {
      const value = await check();
      if (value) return value as Passed<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}${reason}`, {
        cause: lastError,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
