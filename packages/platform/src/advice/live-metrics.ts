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

/** Histogram `name` summed over the series whose labels include `match`; `undefined` when absent. */
export async function histogramSummary(
  registry: Registry,
  name: string,
  match: Labels = {},
): Promise<HistogramSummary | undefined> {
  const found = await samples(registry, name, match);
  if (!found) return undefined;
  const count = found.filter((s) => s.metricName?.endsWith('_count')).reduce((t, s) => t + s.value, 0);
  const buckets = new Map<number, number>();
  for (const sample of found.filter((s) => s.metricName?.endsWith('_bucket'))) {
    const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
  }
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const p99 = count === 0 ? undefined : (bounds.find((le) => buckets.get(le)! >= 0.99 * count) ?? Infinity);
  return { samples: found.length, count, p99, largestBound: Math.max(0, ...bounds.filter(Number.isFinite)) };
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
