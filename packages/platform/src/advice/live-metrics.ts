import type { Registry } from 'prom-client';

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

type Labels = Record<string, string>;

/** The samples of family `name` whose labels include `match`; `undefined` when the family is absent. */
async function samples(registry: Registry, name: string, match: Labels): Promise<Sample[] | undefined> {
  const family = registry.getSingleMetric(name);
  if (!family) return undefined;
  const values = (await family.get()).values as Sample[];
  return values.filter((s) => Object.entries(match).every(([label, value]) => s.labels[label] === value));
}

/** A histogram's observations and their p99 (the upper bound of the bucket it falls in, in seconds). */
export interface HistogramSummary {
  /** Samples read (0: no series matched: nothing observed, or not in this process). */
  samples: number;
  count: number;
  /** `Infinity` when above the largest bucket; `undefined` with no observation. */
  p99: number | undefined;
  /** The largest finite bucket bound. */
  largestBound: number;
}

/** A histogram's cumulative bucket counts (upper bound → observations at or below it) and count. */
export interface HistogramCounts {
  count: number;
  buckets: Map<number, number>;
}

/** Histogram `name` summed over the series whose labels include `match`; `undefined` when absent. */
export async function histogramSummary(
  registry: Registry,
  name: string,
  match: Labels = {},
): Promise<HistogramSummary | undefined> {
  const found = await samples(registry, name, match);
  if (!found) return undefined;
  const counts = sumHistogram(found, () => '').get('') ?? { count: 0, buckets: new Map<number, number>() };
  const bounds = [...counts.buckets.keys()];
  return {
    samples: found.length,
    count: counts.count,
    p99: percentileBound(counts, 0.99),
    largestBound: Math.max(0, ...bounds.filter(Number.isFinite)),
  };
}

/** Histogram `name` summed per value of its label `label` (series matching `match`); `undefined` when absent. */
export async function histogramBy(
  registry: Registry,
  name: string,
  label: string,
  match: Labels = {},
): Promise<Map<string, HistogramCounts> | undefined> {
  const found = await samples(registry, name, match);
  return found && sumHistogram(found, (s) => String(s.labels[label]));
}

function sumHistogram(found: Sample[], keyOf: (sample: Sample) => string): Map<string, HistogramCounts> {
  const byKey = new Map<string, HistogramCounts>();
  const countsOf = (sample: Sample) => {
    const key = keyOf(sample);
    let counts = byKey.get(key);
    if (!counts) byKey.set(key, (counts = { count: 0, buckets: new Map<number, number>() }));
    return counts;
  };
  for (const sample of found) {
    if (sample.metricName?.endsWith('_count')) countsOf(sample).count += sample.value;
    else if (sample.metricName?.endsWith('_bucket')) {
      const { buckets } = countsOf(sample);
      const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
    }
  }
  return byKey;
}

/**
 * The upper bound of the bucket quantile `q` falls in (seconds); `Infinity` above the largest bucket;
 * `undefined` with no observation.
 */
export function percentileBound({ count, buckets }: HistogramCounts, q: number): number | undefined {
  if (count === 0) return undefined;
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  return bounds.find((le) => buckets.get(le)! >= q * count) ?? Infinity;
}

/** Counter `name` summed by the value of `label` (series matching `match`); `undefined` when absent. */
export async function counterBy(
  registry: Registry,
  name: string,
  label: string,
  match: Labels = {},
): Promise<Map<string, number> | undefined> {
  const found = await samples(registry, name, match);
  if (!found) return undefined;
  const totals = new Map<string, number>();
  for (const s of found)
    totals.set(String(s.labels[label]), (totals.get(String(s.labels[label])) ?? 0) + s.value);
  return totals;
}
