import type { SqlExecutor } from '@polyshop/stores';
import type { AdviceThresholds } from './advice-thresholds.ts';
import { evidence, unmeasured, type Evidence } from './advice-schema.ts';
import { readJsonQueryShapes } from './postgres-statistics.ts';

const MEASURE = 'distinct JSON query shapes on notifications.*';

/**
 * The notifications trigger ("complex JSON queries becoming unmaintainable"), on PostgreSQL: the
 * distinct normalised statements on the `notifications` schema that use JSON operators, from
 * `pg_stat_statements` when the server loads it and the database has the extension; otherwise the
 * advice says it could not measure (PGlite never has it).
 */
export async function notificationsEvidence(
  db: SqlExecutor,
  thresholds: AdviceThresholds,
): Promise<Evidence[]> {
  const shapes = await readJsonQueryShapes(db, 'notifications');
  if (!shapes) {
    return [
      unmeasured(
        MEASURE,
        'statement shapes',
        'since pg_stat_statements was reset',
        'pg_stat_statements not available (shared_preload_libraries and CREATE EXTENSION pg_stat_statements)',
      ),
    ];
  }
  const window = shapes.since ? `since ${shapes.since.toISOString()}` : 'since pg_stat_statements was reset';
  return [
    evidence({
      measure: MEASURE,
      value: shapes.shapes,
      threshold: thresholds.ADVISE_JSON_QUERY_SHAPES,
      unit: 'statement shapes',
      window,
      source: 'pg_stat_statements',
      detail: `${shapes.calls} call(s)`,
    }),
  ];
}
