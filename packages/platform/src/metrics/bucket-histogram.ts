import type { Histogram, MetricValueWithName, Registry } from 'prom-client';

/** What `get()` gives a registry: prom-client's own shape for a histogram. */
export interface HistogramValues {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: MetricValueWithName<string>[];
}

/** One label set's observations: counts per bucket (not cumulative until exported), sum and count. */
export interface HistogramChild {
  observe(value: number): void;
}

interface Series extends HistogramChild {
  readonly labels: Readonly<Record<string, string>>;
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram for the hottest measurements (every store operation, every request): the
 * same exposition as prom-client's `Histogram` and registered in the same registry, but a child's
 * `observe` is an array increment. prom-client's child re-validates and re-hashes its labels on every
 * observation, which the observability benchmark's profile showed as ~8 µs each, about a hundred
 * times per checkout.
 */
export class BucketHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly #labelNames: readonly L[];
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(options: {
    name: string;
    help: string;
    labelNames: readonly L[];
    buckets: readonly number[];
    registers: readonly Registry[];
  }) {
    this.name = options.name;
    this.help = options.help;
    this.#labelNames = options.labelNames;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    // A registry takes any metric with a name and `get()`; prom-client's types name only its own classes.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Histogram);
  }

  /** The series of `values` (in `labelNames` order); keep it, observing through it costs no lookup. */
  labels(...values: string[]): HistogramChild {
    if (values.length !== this.#labelNames.length)
      throw new TypeError(
        `${this.name}: expected ${this.#labelNames.length} label values, got ${values.length}`,
      );
    const key = values.join('\u0000');
    let series = this.#series.get(key);
    if (!series) {
      const labels: Record<string, string> = {};
      this.#labelNames.forEach((name, i) => (labels[name] = values[i]!));
      series = newSeries(labels, this.#bounds);
      this.#series.set(key, series);
    }
    return series;
  }

  /** What prom-client's `Histogram.get()` returns: `_bucket` (cumulative, with `le`), `_sum`, `_count`. */
  get(): Promise<HistogramValues> {
    const values: MetricValueWithName<string>[] = [];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += counts[i]!;
        values.push({
          labels: { le: bound, ...labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    });
  }

  /** Forgets every series (prom-client's `reset`). */
  reset(): void {
    this.#series.clear();
  }
}

function newSeries(labels: Record<string, string>, bounds: readonly number[]): Series {
  const counts = new Array<number>(bounds.length).fill(0);
  const series: Series = {
    labels,
    counts,
    sum: 0,
    count: 0,
    observe(value: number) {
      if (!Number.isFinite(value)) return;
      series.sum += value;
      series.count += 1;
      for (let i = 0; i < bounds.length; i++) {
        if (value <= bounds[i]!) {
          counts[i]! += 1;
          return;
        }
      }
    },
  };
  return series;
}
