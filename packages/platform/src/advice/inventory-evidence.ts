import type { SqlExecutor } from '@polyshop/stores';
import type { AdviceThresholds } from './advice-thresholds.ts';
import { evidence, unmeasured, type Evidence } from './advice-schema.ts';
import { describeWindow, type AdviceWindow } from './advice-window.ts';
import { readDeadlocks, readLockWaits, tableExists } from './postgres-statistics.ts';

const RESERVATIONS = 'inventory.reservations';

/**
 * The inventory trigger ("lock contention during traffic spikes"), on PostgreSQL: the busiest second
 * of the busiest SKU in the window, from the reservations' own creation times (each reservation
 * updates its SKUs' stock rows, so this is the write rate on the hottest row lock); the lock requests
 * waiting now (`pg_locks`); and, as context only, `pg_stat_database.deadlocks` (cumulative since the
 * statistics were reset, not windowed).
 */
export async function inventoryEvidence(
  db: SqlExecutor,
  window: AdviceWindow,
  thresholds: AdviceThresholds,
): Promise<Evidence[]> {
  const during = describeWindow(window);
  const found: Evidence[] = [];
  if (await tableExists(db, RESERVATIONS)) {
    const [peak] = await db.query<{ sku: string; second: Date; reservations: number }>(
      `SELECT item->>'sku' AS sku, date_trunc('second', r.created_at) AS second, count(*)::int AS reservations
       FROM ${RESERVATIONS} r CROSS JOIN LATERAL jsonb_array_elements(r.items) item
       WHERE r.created_at >= $1 AND r.created_at <= $2
       GROUP BY 1, 2 ORDER BY 3 DESC, 2 DESC, 1 LIMIT 1`,
      [window.from, window.to],
    );
    const [total] = await db.query<{ reservations: number }>(
      `SELECT count(*)::int AS reservations FROM ${RESERVATIONS} WHERE created_at >= $1 AND created_at <= $2`,
      [window.from, window.to],
    );
    found.push(
      evidence({
        measure: 'peak reservations in one second on one SKU',
        value: peak?.reservations ?? 0,
        threshold: thresholds.ADVISE_HOT_SKU_RESERVATIONS_PER_SECOND,
        unit: 'reservations/s',
        window: during,
        source: `${RESERVATIONS}.created_at`,
        ...(peak ? { detail: `SKU ${peak.sku} at ${peak.second.toISOString()}` } : {}),
      }),
      evidence({
        measure: 'reservations in the window (all SKUs)',
        value: total?.reservations ?? 0,
        threshold: null,
        unit: 'reservations',
        window: during,
        source: `${RESERVATIONS}.created_at`,
      }),
    );
  } else {
    found.push(
      unmeasured(
        'peak reservations in one second on one SKU',
        'reservations/s',
        during,
        `${RESERVATIONS} does not exist yet`,
      ),
    );
  }
  const waits = await readLockWaits(db);
  found.push(
    waits === undefined
      ? unmeasured(
          'lock requests waiting',
          'locks',
          'now',
          'pg_locks / pg_stat_activity not available (PGlite keeps none)',
        )
      : evidence({
          measure: 'lock requests waiting',
          value: waits,
          threshold: thresholds.ADVISE_LOCK_WAITS,
          unit: 'locks',
          window: 'now',
          source: 'pg_locks (not granted) of this database',
        }),
  );
  const deadlocks = await readDeadlocks(db);
  if (deadlocks) {
    found.push(
      evidence({
        measure: 'deadlocks (context: cumulative, not windowed)',
        value: deadlocks.deadlocks,
        threshold: null,
        unit: 'deadlocks',
        window: deadlocks.since ? `since ${deadlocks.since.toISOString()}` : 'since the statistics began',
        source: 'pg_stat_database.deadlocks',
      }),
    );
  }
  return found;
}
