/** Windowed counters of failed logins per key (`account:<email>`, `ip:<address>`), shared by every process. */
export interface LoginThrottle {
  /**
   * Seconds until `key` may try again (0 when it may now): blocked while `failures >= limit` inside
   * the window that started with its first failure.
   */
  retryAfter(key: string, limit: number, windowMs: number, now: Date): Promise<number>;
  /** Counts one failure; a window that has elapsed starts afresh. Returns the count in the window. */
  recordFailure(key: string, windowMs: number, now: Date): Promise<number>;
  /** Forgets the key's failures (after a successful login). */
  reset(key: string): Promise<void>;
}
