import type { Clock } from '@polyshop/kernel';
import type { SqlExecutor } from '@polyshop/stores';
import { MIGRATION_REPAIRS_TABLE, type MigrationRepairRow } from './migration-tables.ts';

/** A key of the repair log: its mirror copy failed and waits to be copied again. */
export interface RepairEntry {
  service: string;
  kind: string;
  key: string;
  /** Why the last attempt failed. */
  reason: string;
  attempts: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

/** Where `RepairLog.list` continues: the last entry of the previous page. */
export interface RepairCursor {
  kind: string;
  key: string;
}

const R = MIGRATION_REPAIRS_TABLE.qualified;

/**
 * The keys of each service whose copy to the mirror store failed (`platform.migration_repairs`), one
 * entry per service, kind and key however often it failed. `retryRepairs` copies them again; the
 * engine refuses `read-switch` while the log of the service is not empty.
 */
export class RepairLog {
  readonly #db: SqlExecutor;
  readonly #clock: Clock;

  constructor(db: SqlExecutor, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Adds `keys` of `kind` with the failure's `reason`; a key already there counts one more attempt. */
  async add(service: string, kind: string, keys: readonly string[], reason: string): Promise<void> {
    if (keys.length === 0) return;
    await this.#db.query(
      `INSERT INTO ${R} (service, kind, key, reason, attempts, first_seen_at, last_seen_at)
       SELECT $1, $2, key, $4, 1, $5, $5 FROM unnest($3::text[]) AS key
       ON CONFLICT (service, kind, key) DO UPDATE SET reason = excluded.reason,
         attempts = ${MIGRATION_REPAIRS_TABLE.name}.attempts + 1, last_seen_at = excluded.last_seen_at`,
      [service, kind, [...new Set(keys)], reason, this.#clock.now()],
    );
  }

  /** Up to `limit` entries of the service in (kind, key) order (code points), after `after` when given. */
  async list(service: string, limit: number, after?: RepairCursor): Promise<RepairEntry[]> {
    const rows = await this.#db.query<MigrationRepairRow>(
      `SELECT ${MIGRATION_REPAIRS_TABLE.columnList} FROM ${R}
       WHERE service = $1 AND ($2::text IS NULL OR kind COLLATE "C" > $2::text
         OR (kind = $2::text AND key COLLATE "C" > $3::text))
       ORDER BY kind COLLATE "C", key COLLATE "C" LIMIT $4`,
      [service, after?.kind ?? null, after?.key ?? null, limit],
    );
    return rows.map((row) => ({
      service: row.service,
      kind: row.kind,
      key: row.key,
      reason: row.reason,
      attempts: row.attempts,
      firstSeenAt: row.first_seen_at,
      lastSeenAt: row.last_seen_at,
    }));
  }

  /** Removes these keys of `kind` (copied since). */
  async remove(service: string, kind: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#db.query(`DELETE FROM ${R} WHERE service = $1 AND kind = $2 AND key = ANY($3::text[])`, [
      service,
      kind,
      [...keys],
    ]);
  }

  /** How many keys the service's log holds. */
  async size(service: string): Promise<number> {
    const [row] = await this.#db.query<{ n: number }>(`SELECT count(*) AS n FROM ${R} WHERE service = $1`, [
      service,
    ]);
    return row!.n;
  }
}
