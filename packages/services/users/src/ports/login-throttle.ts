import type { FailureStreak } from '../domain/login-backoff.ts';

/**
 * Failed logins per key (`ip:<address>`, `account-ip:<address>|<email>`), shared by every process.
 * A key's streak is forgotten once it has gone `forgetAfterMs` without a failure.
 */
export interface LoginThrottle {
  /** The key's current streak at `now`, or `undefined` when it has none (or it was forgotten). */
  streakOf(key: string, forgetAfterMs: number, now: Date): Promise<FailureStreak | undefined>;
  /** Counts one failure at `now`, after forgetting a streak gone quiet. Returns the streak's count. */
  recordFailure(key: string, forgetAfterMs: number, now: Date): Promise<number>;
  /** Forgets the key's failures (after a successful login). */
  reset(key: string): Promise<void>;
  /**
   * Deletes up to `limit` streaks (oldest first) that have gone `forgetAfterMs` without a failure at
   * `now`, so that the throttle holds only live streaks. Rows another transaction holds are left for
   * a later call. Resolves to how many it deleted.
   */
  forgetQuiet(forgetAfterMs: number, now: Date, limit: number): Promise<number>;
}
