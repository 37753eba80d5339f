import Type, { type Static } from 'typebox';
import { loadConfig } from '@polyshop/kernel';

/**
 * The thresholds of `polyshop advise` and `GET /admin/advice` (README, "Pain-point advice": each
 * default with its reason). A trigger fires when one of its measures reaches its threshold.
 */
export const AdviceThresholdsSchema = Type.Object({
  /** Seconds of recent traffic measured for the inventory trigger (hot SKUs). */
  ADVISE_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 604800, default: 300 }),
  /** Reservations in one second on one SKU (the peak of the window) that count as a hot SKU. */
  ADVISE_HOT_SKU_RESERVATIONS_PER_SECOND: Type.Number({ exclusiveMinimum: 0, default: 50 }),
  /** Lock requests waiting (`pg_locks`, not granted) on the platform's database at the moment read. */
  ADVISE_LOCK_WAITS: Type.Integer({ minimum: 1, default: 5 }),
  /** Days of catalogue history measured for the products trigger (one sprint by default). */
  ADVISE_CATALOGUE_WINDOW_DAYS: Type.Integer({ minimum: 1, maximum: 365, default: 14 }),
  /** Category attribute-definition changes per week (over the catalogue window). */
  ADVISE_CATEGORY_CHANGES_PER_WEEK: Type.Number({ exclusiveMinimum: 0, default: 5 }),
  /** Attribute definitions (attributes + variant attributes) of the widest category. */
  ADVISE_ATTRIBUTE_KEYS_PER_CATEGORY: Type.Integer({ minimum: 1, default: 100 }),
  /** Distinct statement shapes on `notifications.*` using JSON operators (pg_stat_statements). */
  ADVISE_JSON_QUERY_SHAPES: Type.Integer({ minimum: 1, default: 25 }),
  /** Search requests per second on PostgreSQL full-text (mean since the process started). */
  ADVISE_SEARCH_RATE: Type.Number({ exclusiveMinimum: 0, default: 50 }),
  /** p99 of search requests on PostgreSQL full-text, in ms (since the process started). */
  ADVISE_SEARCH_P99_MS: Type.Number({ exclusiveMinimum: 0, default: 250 }),
});

export type AdviceThresholds = Static<typeof AdviceThresholdsSchema>;

/** The thresholds from `env` (a bad value stops with a message naming the variable). */
export function loadAdviceThresholds(env: NodeJS.ProcessEnv = process.env): AdviceThresholds {
  return loadConfig(AdviceThresholdsSchema, env);
}
