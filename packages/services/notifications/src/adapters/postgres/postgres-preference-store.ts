import type { NotificationPreferences } from '../../domain/preferences.ts';
import type { PreferenceStore } from '../../ports/notification-repository.ts';
import type { PreferenceRow } from './notifications-tables.ts';
import { iso, SCHEMA, type PgScope } from './pg-scope.ts';

function toPreferences(row: PreferenceRow): NotificationPreferences {
  return {
    userId: row.user_id,
    email: row.email,
    sms: row.sms,
    push: row.push,
    phone: row.phone,
    updatedAt: iso(row.updated_at),
  };
}

/** Per-user channel preferences in `notifications.preferences`. */
export class PostgresPreferenceStore implements PreferenceStore {
  readonly #scope: PgScope;

  constructor(scope: PgScope) {
    this.#scope = scope;
  }

  async find(userId: string): Promise<NotificationPreferences | undefined> {
    const rows = await this.#scope.executor.query<PreferenceRow>(
      `SELECT user_id, email, sms, push, phone, updated_at FROM ${SCHEMA}.preferences WHERE user_id = $1`,
      [userId],
    );
    return rows[0] && toPreferences(rows[0]);
  }

  async save(preferences: NotificationPreferences): Promise<NotificationPreferences> {
    const rows = await this.#scope.executor.query<PreferenceRow>(
      `INSERT INTO ${SCHEMA}.preferences (user_id, email, sms, push, phone, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, sms = EXCLUDED.sms, push = EXCLUDED.push,
         phone = EXCLUDED.phone, updated_at = EXCLUDED.updated_at
       RETURNING user_id, email, sms, push, phone, updated_at`,
      [
        preferences.userId,
        preferences.email,
        preferences.sms,
        preferences.push,
        preferences.phone,
        preferences.updatedAt ?? new Date().toISOString(),
      ],
    );
    return toPreferences(rows[0]!);
  }

  async delete(userId: string): Promise<void> {
    await this.#scope.executor.query(`DELETE FROM ${SCHEMA}.preferences WHERE user_id = $1`, [userId]);
  }
}
