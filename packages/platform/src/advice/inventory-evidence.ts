import type { SqlExecutor } from '@polyshop/stores';
import type { AdvisorSources } from './advisor.ts';
import { evidence, unmeasured, type Evidence } from './advice-schema.ts';
import { describeWindow, type AdviceWindow } from './advice-window.ts';
import { counterBy, histogramSummary, type LiveMetrics } from './live-metrics.ts';
import { readDeadlocks, readLockWaits, tableExists } from './postgres-statistics.ts';

const RESERVATIONS = 'inventory.reservations';

/**
 * The inventory trigger ("lock contention during traffic spikes"), on PostgreSQL: the busiest second
 * of the busiest SKU in the window, from the reservations' own creation times (each reservation
 * updates its SKUs' stock rows, so this is the write rate on the hottest row lock); the lock requests
 * waiting now (`pg_locks`); and, as context only, `pg_stat_database.deadlocks` (cumulative since the
 * statistics were reset, not windowed) and, in a process that runs the inventory service, its live
 * stock-write conflicts and lock-wait p99 since the process started (cumulative, so not windowed).
 */
export async function inventoryEvidence(
  db: SqlExecutor,
  window: AdviceWindow,
  { thresholds, live, engine }: Pick<AdvisorSources, 'thresholds' | 'live' | 'engine'>,
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
  // PGlite is one connection: nothing can wait for a lock there, so a 0 would say nothing
  const waits = engine === 'pglite' ? undefined : await readLockWaits(db);
  found.push(
    waits === undefined
      ? unmeasured(
          'lock requests waiting',
          'locks',
          'now',
          engine === 'pglite'
            ? 'PGlite runs one connection: no lock can wait'
            : 'pg_locks / pg_stat_activity not readable',
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
  if (live) found.push(...(await liveInventoryContext(live, window.to)));
  return found;
}

const CONFLICTS = 'polyshop_inventory_conflicts_total';
const LOCK_WAIT = 'polyshop_inventory_lock_wait_seconds';

/** Context from the live inventory metrics, for the families this process has series of. */
async function liveInventoryContext(live: LiveMetrics, now: Date): Promise<Evidence[]> {
  const since = describeWindow({ from: live.since, to: now });
  const found: Evidence[] = [];
  const conflicts = await counterBy(live.registry, CONFLICTS, 'kind', { service: 'inventory' });
  if (conflicts?.size) {
    const detail = [...conflicts].map(([kind, count]) => `${kind} ${count}`).join(', ');
    const total = [...conflicts.values()].reduce((t, c) => t + c, 0);
    found.push(
      evidence({
        measure: 'stock writes refused by a concurrent writer, then retried (context)',
        value: total,
        threshold: null,
        unit: 'conflicts',
        window: since,
        source: CONFLICTS,
        detail,
      }),
    );
  }
  const waits = await histogramSummary(live.registry, LOCK_WAIT, { service: 'inventory' });
  if (waits?.samples && waits.p99 !== undefined) {
    const p99 = waits.p99 === Infinity ? waits.largestBound : waits.p99;
    found.push(
      evidence({
        measure: 'stock write lock-wait p99, bucket upper bound (context)',
        value: p99 * 1000,
        threshold: null,
        unit: 'ms',
        window: since,
        source: LOCK_WAIT,
        detail: `${waits.count} write(s)${waits.p99 === Infinity ? '; at least: above the largest bucket' : ''}`,
      }),
    );
  }
  return found;
}
