import type { SqlExecutor } from '@polyshop/stores';
import type { LoginThrottle } from '../../ports/login-throttle.ts';
import { sqlTime } from './sql-values.ts';
import type { LoginThrottleRow } from './users-tables.ts';

/** `LoginThrottle` on PostgreSQL: one windowed counter row per key, updated atomically with an upsert. */
export class PostgresLoginThrottle implements LoginThrottle {
  readonly #sql: SqlExecutor;
  constructor(sql: SqlExecutor) {
    this.#sql = sql;
  }

  async retryAfter(key: string, limit: number, windowMs: number, now: Date): Promise<number> {
    const [row] = await this.#sql.query<Pick<LoginThrottleRow, 'window_started_at' | 'failures'>>(
      `SELECT window_started_at, failures FROM users.login_throttle WHERE key = $1`,
      [key],
    );
    if (!row || row.failures < limit) return 0;
    const remainingMs = row.window_started_at.getTime() + windowMs - now.getTime();
    return remainingMs > 0 ? Math.ceil(remainingMs / 1000) : 0;
  }

  async recordFailure(key: string, windowMs: number, now: Date): Promise<number> {
    // A single upsert, so concurrent failures are all counted (no read-then-write).
    const [row] = await this.#sql.query<Pick<LoginThrottleRow, 'failures'>>(
      `INSERT INTO users.login_throttle AS t (key, window_started_at, failures) VALUES ($1, $2::timestamptz, 1)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN t.window_started_at + make_interval(secs => $3::double precision / 1000) <= $2::timestamptz
                         THEN 1 ELSE t.failures + 1 END,
         window_started_at = CASE WHEN t.window_started_at + make_interval(secs => $3::double precision / 1000) <= $2::timestamptz
                                  THEN $2::timestamptz ELSE t.window_started_at END
       RETURNING failures`,
      [key, sqlTime(now), windowMs],
    );
    return row!.failures;
  }

  async reset(key: string): Promise<void> {
    await this.#sql.query(`DELETE FROM users.login_throttle WHERE key = $1`, [key]);
  }
}
