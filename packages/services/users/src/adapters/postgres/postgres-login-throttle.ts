import type { SqlExecutor } from '@polyshop/stores';
import type { FailureStreak } from '../../domain/login-backoff.ts';
import type { LoginThrottle } from '../../ports/login-throttle.ts';
import { sqlTime } from './sql-values.ts';
import type { LoginThrottleRow } from './users-tables.ts';

/** `LoginThrottle` on PostgreSQL: one failure-streak row per key, updated atomically with an upsert. */
export class PostgresLoginThrottle implements LoginThrottle {
  readonly #sql: SqlExecutor;
  constructor(sql: SqlExecutor) {
    this.#sql = sql;
  }

  async streakOf(key: string, forgetAfterMs: number, now: Date): Promise<FailureStreak | undefined> {
    const [row] = await this.#sql.query<Pick<LoginThrottleRow, 'last_failed_at' | 'failures'>>(
      `SELECT last_failed_at, failures FROM users.login_throttle WHERE key = $1`,
      [key],
    );
    if (!row || row.last_failed_at.getTime() + forgetAfterMs <= now.getTime()) return undefined;
    return { failures: row.failures, lastFailedAt: row.last_failed_at };
  }

  async recordFailure(key: string, forgetAfterMs: number, now: Date): Promise<number> {
    // A single upsert, so concurrent failures are all counted (no read-then-write).
    const [row] = await this.#sql.query<Pick<LoginThrottleRow, 'failures'>>(
      `INSERT INTO users.login_throttle AS t (key, window_started_at, last_failed_at, failures)
       VALUES ($1, $2::timestamptz, $2::timestamptz, 1)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN t.last_failed_at + make_interval(secs => $3::double precision / 1000) <= $2::timestamptz
                         THEN 1 ELSE t.failures + 1 END,
         window_started_at = CASE WHEN t.last_failed_at + make_interval(secs => $3::double precision / 1000) <= $2::timestamptz
                                  THEN $2::timestamptz ELSE t.window_started_at END,
         last_failed_at = GREATEST(t.last_failed_at, $2::timestamptz)
       RETURNING failures`,
      [key, sqlTime(now), forgetAfterMs],
    );
    return row!.failures;
  }

  async reset(key: string): Promise<void> {
    await this.#sql.query(`DELETE FROM users.login_throttle WHERE key = $1`, [key]);
  }

  async forgetQuiet(forgetAfterMs: number, now: Date, limit: number): Promise<number> {
    // SKIP LOCKED: a streak being counted (or deleted by another login) right now is left alone, so
    // two failing logins never wait on each other here.
    return this.#sql.execute(
      `DELETE FROM users.login_throttle WHERE key IN (
         SELECT key FROM users.login_throttle
         WHERE last_failed_at <= $1::timestamptz - make_interval(secs => $2::double precision / 1000)
         ORDER BY last_failed_at LIMIT $3 FOR UPDATE SKIP LOCKED)`,
      [sqlTime(now), forgetAfterMs, limit],
    );
  }
}
