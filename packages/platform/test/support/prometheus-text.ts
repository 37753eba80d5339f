import { createRequire } from 'node:module';

/** A sample as parse-prometheus-text-format (a port of the Prometheus Python client's parser) gives it. */
export interface Sample {
  labels?: Record<string, string>;
  value?: string;
}

/** A metric family as that parser gives it. */
export interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}

/** Parses a Prometheus text exposition; throws on text Prometheus would reject. */
export const parsePrometheusText = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => Family[];

/**
 * Every sample by series name (`…_count`, `…_bucket`, `…_sum` of histograms included), with its labels.
 * The parser folds a histogram's series into one when they have labels (it handles unlabelled ones
 * only): histograms and summaries are read as untyped, so each `_bucket`, `_sum` and `_count` line
 * keeps its labels.
 */
export function seriesOf(text: string): Map<string, Sample[]> {
  const series = new Map<string, Sample[]>();
  for (const { name, metrics } of parsePrometheusText(
    text.replace(/^# TYPE (\S+) (histogram|summary)$/gm, '# TYPE $1 untyped'),
  )) {
    series.set(name, [...(series.get(name) ?? []), ...metrics]);
  }
  return series;
}

/** The samples whose labels include `labels`. */
export function matching(samples: readonly Sample[], labels: Record<string, string>): Sample[] {
  return samples.filter((sample) =>
    Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value),
  );
}

/** The sum of the samples' values. */
export function total(samples: readonly Sample[]): number {
  return samples.reduce((sum, sample) => sum + Number(sample.value), 0);
}
