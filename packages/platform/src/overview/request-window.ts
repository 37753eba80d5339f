import type { Registry } from 'prom-client';
import { histogramBy, percentileBound, type HistogramCounts } from '../advice/live-metrics.ts';
import { METRIC_NAMES } from '../metrics/platform-metrics.ts';

/** A service's requests over the window: how many, per second, and their p99. */
export interface ServiceTraffic {
  requests: number;
  perSecond: number;
  /** The upper bound of the bucket the 99th percentile falls in; `above`: beyond the largest bucket. */
  p99: { seconds: number; above: boolean } | null;
}

interface Snapshot {
  at: number;
  byService: Map<string, HistogramCounts>;
}

/**
 * Each service's request rate and p99 over a recent window, from the cumulative HTTP histogram
 * (`polyshop_http_request_duration_seconds`): every read keeps a snapshot of the histogram, and the
 * figures are the difference to the oldest snapshot still within `windowMs` — or to the platform's
 * start (all counts zero) before there is one. A console polling every few seconds thus sees the
 * last minute's traffic; the first read sees everything since start. The window is reported with it.
 */
export class RequestWindow {
  readonly #snapshots: Snapshot[] = [];
  readonly #registry: Registry;
  readonly #startedAt: number;
  readonly #windowMs: number;

  constructor(registry: Registry, startedAt: Date, windowMs = 60_000) {
    this.#registry = registry;
    this.#startedAt = startedAt.getTime();
    this.#windowMs = windowMs;
  }

  /** Traffic per service label since the window's start; `undefined` when metrics are off. */
  async read(
    now: Date,
  ): Promise<{ windowSeconds: number; byService: Map<string, ServiceTraffic> } | undefined> {
    const current = await histogramBy(this.#registry, METRIC_NAMES.httpDuration, 'service');
    if (!current) return undefined;
    const at = now.getTime();
    while (this.#snapshots.length > 0 && at - this.#snapshots[0]!.at > this.#windowMs)
      this.#snapshots.shift();
    const baseline: Snapshot = this.#snapshots[0] ?? { at: this.#startedAt, byService: new Map() };
    this.#snapshots.push({ at, byService: current });
    if (this.#snapshots.length > MAX_SNAPSHOTS)
      this.#snapshots.splice(0, this.#snapshots.length - MAX_SNAPSHOTS);
    const windowSeconds = Math.max(0.001, (at - baseline.at) / 1000);
    const byService = new Map<string, ServiceTraffic>();
    for (const [service, counts] of current) {
      const since = difference(counts, baseline.byService.get(service));
      const p99 = percentileBound(since, 0.99);
      byService.set(service, {
        requests: since.count,
        perSecond: since.count / windowSeconds,
        p99:
          p99 === undefined
            ? null
            : Number.isFinite(p99)
              ? { seconds: p99, above: false }
              : { seconds: largestBound(since), above: true },
      });
    }
    return { windowSeconds, byService };
  }
}

/** Snapshots kept at most (many consoles polling at once): the window then shortens, never grows. */
const MAX_SNAPSHOTS = 240;

function difference(now: HistogramCounts, before: HistogramCounts | undefined): HistogramCounts {
  const buckets = new Map<number, number>();
  for (const [le, count] of now.buckets) buckets.set(le, count - (before?.buckets.get(le) ?? 0));
  return { count: now.count - (before?.count ?? 0), buckets };
}

function largestBound({ buckets }: HistogramCounts): number {
  return Math.max(0, ...[...buckets.keys()].filter(Number.isFinite));
}
