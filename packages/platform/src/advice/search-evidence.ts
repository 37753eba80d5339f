import type { AdviceThresholds } from './advice-thresholds.ts';
import { evidence, unmeasured, type Evidence } from './advice-schema.ts';
import { describeWindow } from './advice-window.ts';
import { histogramSummary, type LiveMetrics } from './live-metrics.ts';

/** The family and route template the search requests are timed under (README, Metrics). */
const HTTP_DURATION = 'polyshop_http_request_duration_seconds';
const SEARCH_ROUTE = '/search/products';

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
  const summary = live && (await histogramSummary(live.registry, HTTP_DURATION, { route: SEARCH_ROUTE }));
  if (!live || !summary) {
    const why = 'no live metrics here (GET /admin/advice of the running platform has them; METRICS=on)';
    return [
      unmeasured('search requests per second', 'requests/s', 'since the process started', why),
      unmeasured('search p99', 'ms', 'since the process started', why),
    ];
  }
  const seconds = Math.max((now.getTime() - live.since.getTime()) / 1000, 1);
  const window = describeWindow({ from: live.since, to: now });
  const source = `${HTTP_DURATION}{route="${SEARCH_ROUTE}"}`;
  const { count, p99 } = summary;
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
    p99 === undefined
      ? unmeasured('search p99', 'ms', window, 'no search request yet')
      : evidence({
          measure: 'search p99 (bucket upper bound)',
          value: (p99 === Infinity ? summary.largestBound : p99) * 1000,
          threshold: thresholds.ADVISE_SEARCH_P99_MS,
          unit: 'ms',
          window,
          source,
          ...(p99 === Infinity ? { detail: 'at least: above the largest bucket' } : {}),
        }),
  ];
}
