import type { Clock } from '@polyshop/kernel';
import type { SqlExecutor } from '@polyshop/stores';
import { MIGRATION_REPAIRS_TABLE, type MigrationRepairRow } from './migration-tables.ts';

/**
 * Which way a repair copies: from the store the write went to first (its source of truth, as the
 * write's pinned routing named it) to the other one. Store names as the migration names them.
 */
export interface RepairDirection {
  source: string;
  target: string;
}

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
  /**
   * Which way the key is copied; absent for entries recorded without one (before `migration-0003`):
   * those are copied from the current primary to the mirror.
   */
  direction?: RepairDirection;
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

  /**
   * Adds `keys` of `kind` with the failure's `reason` and the `direction` their copy goes (the
   * write's source of truth to its mirror); a key already there counts one more attempt and takes the
   * new direction (the latest write's), keeping its old one when none is given.
   */
  async add(
    service: string,
    kind: string,
    keys: readonly string[],
    reason: string,
    direction?: RepairDirection,
  ): Promise<void> {
    if (keys.length === 0) return;
    const T = MIGRATION_REPAIRS_TABLE.name;
    await this.#db.query(
      `INSERT INTO ${R} (service, kind, key, reason, attempts, first_seen_at, last_seen_at, source_store, target_store)
       SELECT $1, $2, key, $4, 1, $5, $5, $6, $7 FROM unnest($3::text[]) AS key
       ON CONFLICT (service, kind, key) DO UPDATE SET reason = excluded.reason,
         attempts = ${T}.attempts + 1, last_seen_at = excluded.last_seen_at,
         source_store = coalesce(excluded.source_store, ${T}.source_store),
         target_store = coalesce(excluded.target_store, ${T}.target_store)`,
      [
        service,
        kind,
        [...new Set(keys)],
        reason,
        this.#clock.now(),
        direction?.source ?? null,
        direction?.target ?? null,
      ],
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
      ...(row.source_store !== null && row.target_store !== null
        ? { direction: { source: row.source_store, target: row.target_store } }
        : {}),
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

  /**
   * Removes the entries of `kind` listed in `copied` (key → its `attempts` when read, before the copy
   * that fixed it began), unless a failure was recorded for the key since: a newer write whose copy
   * failed while the retry ran keeps its entry, so its copy is not lost.
   */
  async removeCopied(service: string, kind: string, copied: ReadonlyMap<string, number>): Promise<void> {
    if (copied.size === 0) return;
    await this.#db.query(
      `DELETE FROM ${R} AS r USING unnest($3::text[], $4::int[]) AS c(key, attempts)
       WHERE r.service = $1 AND r.kind = $2 AND r.key = c.key AND r.attempts = c.attempts`,
      [service, kind, [...copied.keys()], [...copied.values()]],
    );
  }

  /** The keys of `kind` among `keys` the service's log holds, with their `attempts`. */
  async attempts(service: string, kind: string, keys: readonly string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const rows = await this.#db.query<{ key: string; attempts: number }>(
      `SELECT key, attempts FROM ${R} WHERE service = $1 AND kind = $2 AND key = ANY($3::text[])`,
      [service, kind, [...keys]],
    );
    return new Map(rows.map((row) => [row.key, row.attempts]));
  }

  /** Which of these keys of `kind` the service's log holds. */
  async pending(service: string, kind: string, keys: readonly string[]): Promise<Set<string>> {
    return new Set((await this.attempts(service, kind, keys)).keys());
  }

  /** How many keys the service's log holds (only those to be copied to `target`, when given). */
  async size(service: string, target?: string): Promise<number> {
    const [row] = await this.#db.query<{ n: number }>(
      `SELECT count(*) AS n FROM ${R} WHERE service = $1 AND ($2::text IS NULL OR target_store = $2::text)`,
      [service, target ?? null],
    );
    return row!.n;
  }
}
