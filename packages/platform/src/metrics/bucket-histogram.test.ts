import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVED: [string, string, number][] = [
  ['orders', 'select', 0.0004],
  ['orders', 'select', 0.001], // on a bound: counted in it, as Prometheus's `le` says
  ['orders', 'insert', 0.05],
  ['inventory', 'update', 3], // above every bound: +Inf only
  ['orders', 'select', 0.2],
];

test("a BucketHistogram's exposition is prom-client's Histogram's for the same observations", async () => {
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram({
    name: 'polyshop_t_seconds',
    help: 'h',
    labelNames: ['service', 'operation'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const fast = new BucketHistogram({
    name: 'polyshop_t_seconds',
    help: 'h',
    labelNames: ['service', 'operation'],
    buckets: BUCKETS,
    registers: [ours],
  });
  for (const [service, operation, seconds] of OBSERVED) {
    reference.labels(service, operation).observe(seconds);
    fast.labels(service, operation).observe(seconds);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
  // `get()` (what the advisor reads) gives the same series: labels (with `le`), value, name
  const series = async (metric: { get(): Promise<{ values: object[] }> }) =>
    (await metric.get()).values.map((v) => {
      const { labels, value, metricName } = v as { labels: object; value: number; metricName: string };
      return { labels: { ...labels }, value, metricName };
    });
  assert.deepEqual(await series(fast), await series(reference));
  fast.reset();
  reference.reset();
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('a BucketHistogram keeps one series per label set, refuses a wrong label count and ignores NaN', async () => {
  const registry = new Registry();
  const fast = new BucketHistogram({
    name: 'polyshop_t2_seconds',
    help: 'h',
    labelNames: ['service'],
    buckets: BUCKETS,
    registers: [registry],
  });
  assert.equal(fast.labels('a'), fast.labels('a'));
  assert.throws(() => fast.labels('a', 'b'), /expected 1 label values, got 2/);
  fast.labels('a').observe(Number.NaN);
  fast.labels('a').observe(0.5);
  const { values } = await fast.get();
  const count = values.find((v) => v.metricName === 'polyshop_t2_seconds_count');
  assert.equal(count?.value, 1);
});
