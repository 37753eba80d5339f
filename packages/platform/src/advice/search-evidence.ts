import type { Registry } from 'prom-client';
import type { AdviceThresholds } from './advice-thresholds.ts';
import { evidence, unmeasured, type Evidence } from './advice-schema.ts';
import { describeWindow } from './advice-window.ts';

/** The family and route template the search requests are timed under (README, Metrics). */
const HTTP_DURATION = 'polyshop_http_request_duration_seconds';
const SEARCH_ROUTE = '/search/products';

/** The live metrics of this process and since when they count. */
export interface LiveMetrics {
  registry: Registry;
  since: Date;
}

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * The search trigger ("full-text search requires external solutions"), on PostgreSQL full-text: the
 * request rate and p99 of `GET /search/products` from this process's live HTTP histogram, since it
 * started counting (a histogram is cumulative: its window is the process's life, not the advice
 * window). The p99 is the upper bound of the histogram bucket it falls in. Without live metrics
 * (the CLI reading the stores, or `METRICS=off`) it could not be measured.
 */
export async function searchEvidence(
  live: LiveMetrics | undefined,
  now: Date,
  thresholds: AdviceThresholds,
): Promise<Evidence[]> {
  const family = live?.registry.getSingleMetric(HTTP_DURATION);
  if (!live || !family) {
    const why = 'no live metrics here (GET /admin/advice of the running platform has them; METRICS=on)';
    return [
      unmeasured('search requests per second', 'requests/s', 'since the process started', why),
      unmeasured('search p99', 'ms', 'since the process started', why),
    ];
  }
  const samples = ((await family.get()).values as Sample[]).filter((s) => s.labels.route === SEARCH_ROUTE);
  const count = sum(samples.filter((s) => s.metricName?.endsWith('_count')));
  const buckets = new Map<number, number>();
  for (const sample of samples.filter((s) => s.metricName?.endsWith('_bucket'))) {
    const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
  }
  const seconds = Math.max((now.getTime() - live.since.getTime()) / 1000, 1);
  const window = describeWindow({ from: live.since, to: now });
  const source = `${HTTP_DURATION}{route="${SEARCH_ROUTE}"}`;
  const p99 = quantileBound(buckets, count, 0.99);
  return [
    evidence({
      measure: 'search requests per second (mean)',
      value: Math.round((count / seconds) * 100) / 100,
      threshold: thresholds.ADVISE_SEARCH_RATE,
      unit: 'requests/s',
      window,
      source,
      detail: `${count} request(s)`,
    }),
    count === 0
      ? unmeasured('search p99', 'ms', window, 'no search request yet')
      : evidence({
          measure: 'search p99 (bucket upper bound)',
          value: (p99 === Infinity ? largestBound(buckets) : p99) * 1000,
          threshold: thresholds.ADVISE_SEARCH_P99_MS,
          unit: 'ms',
          window,
          source,
          ...(p99 === Infinity ? { detail: 'at least: above the largest bucket' } : {}),
        }),
  ];
}

function sum(samples: Sample[]): number {
  return samples.reduce((total, sample) => total + sample.value, 0);
}

/** The smallest bucket bound holding at least `q` of `count` observations (cumulative buckets). */
function quantileBound(buckets: Map<number, number>, count: number, q: number): number {
  for (const [le, cumulative] of [...buckets].sort(([a], [b]) => a - b)) {
    if (cumulative >= q * count) return le;
  }
  return Infinity;
}

function largestBound(buckets: Map<number, number>): number {
  return Math.max(0, ...[...buckets.keys()].filter(Number.isFinite));
}
