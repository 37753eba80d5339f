/**
 * How failed logins slow a key down (OWASP's authentication guidance): a few failures are free,
 * then each further one doubles the wait before the next attempt, up to a cap. Nothing locks an
 * account: a key waits, and the keys are per client address, so another address is never held up.
 */
export interface BackoffPolicy {
  /** Failures allowed before any wait. */
  freeFailures: number;
  /** The wait after the first failure past the free ones; it doubles with each further failure. */
  baseDelayMs: number;
  /** The longest wait. */
  maxDelayMs: number;
}

/** A key's failures since it last went quiet, and when the latest happened. */
export interface FailureStreak {
  failures: number;
  lastFailedAt: Date;
}

/** The wait after `failures` failures in a row (0 while they are free). */
export function backoffDelayMs(failures: number, policy: BackoffPolicy): number {
  if (failures < policy.freeFailures) return 0;
  // 2^31 · base is past any cap; the exponent is bounded so the number stays finite.
  const doublings = Math.min(failures - policy.freeFailures, 31);
  return Math.min(policy.baseDelayMs * 2 ** doublings, policy.maxDelayMs);
}

/** Whole seconds until the key may try again at `now` (0 when it may now). */
export function retryAfterSeconds(
  streak: FailureStreak | undefined,
  policy: BackoffPolicy,
  now: Date,
): number {
  if (!streak) return 0;
  const remainingMs = streak.lastFailedAt.getTime() + backoffDelayMs(streak.failures, policy) - now.getTime();
  return remainingMs > 0 ? Math.ceil(remainingMs / 1000) : 0;
}
