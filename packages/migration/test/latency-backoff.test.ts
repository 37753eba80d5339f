import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyBackoff, p99 } from '../src/index.ts';

/** `n` latencies of `ms` each. */
const flat = (n: number, ms: number) => Array.from({ length: n }, () => ms);

describe('p99', () => {
  it('is the nearest-rank 99th percentile, undefined without samples', () => {
    assert.equal(p99([]), undefined);
    assert.equal(p99([7]), 7);
    assert.equal(p99([...flat(99, 10), 500]), 10); // 1 slow request in 100 is the 100th percentile
    assert.equal(p99([...flat(98, 10), 400, 500]), 400);
  });
});

describe('LatencyBackoff: the rate in force, given the live latencies of the window', () => {
  it('takes twice the p99 from before the backfill as its threshold, at least minThresholdMs; maxP99Ms overrides both', () => {
    assert.equal(new LatencyBackoff(() => [], { baselineP99Ms: 80 }).threshold, 160);
    assert.equal(new LatencyBackoff(() => [], { baselineP99Ms: 5 }).threshold, 50);
    assert.equal(new LatencyBackoff(() => [], { baselineP99Ms: 5, minThresholdMs: 20 }).threshold, 20);
    assert.equal(new LatencyBackoff(() => [], { baselineP99Ms: 80, maxP99Ms: 300 }).threshold, 300);
    assert.equal(new LatencyBackoff(() => []).threshold, undefined);
  });

  it('halves the rate every batch while the p99 is above the threshold, down to minFactor, then recovers step by step', () => {
    let window = flat(100, 40);
    const backoff = new LatencyBackoff(() => window, { baselineP99Ms: 50 }); // threshold 100 ms
    assert.equal(backoff.throttle(800), 800); // p99 40 ms: full rate
    window = flat(100, 250);
    assert.deepEqual([backoff.throttle(800), backoff.throttle(800), backoff.throttle(800)], [400, 200, 100]);
    assert.equal(backoff.lastP99, 250);
    for (let i = 0; i < 10; i++) backoff.throttle(800);
    assert.equal(backoff.factor, 1 / 64); // the floor: slower, never stopped
    assert.equal(backoff.throttle(800), 12);
    window = flat(100, 60); // back under the threshold: +10 % of the rate per batch
    assert.equal(backoff.throttle(800), Math.floor(800 * (1 / 64 + 0.1)));
    for (let i = 0; i < 8; i++) backoff.throttle(800);
    assert.ok(backoff.factor < 1);
    assert.equal(backoff.throttle(800), 800);
    assert.equal(backoff.factor, 1);
  });

  it('counts a p99 equal to the threshold as healthy, and a single slow request in a hundred as noise', () => {
    const backoff = new LatencyBackoff(() => [...flat(99, 100), 5000], { maxP99Ms: 100 });
    assert.equal(backoff.throttle(500), 500);
  });

  it('decides nothing on too few samples: the factor stays where it was', () => {
    let window = flat(50, 300);
    const backoff = new LatencyBackoff(() => window, { maxP99Ms: 100, minSamples: 20 });
    assert.equal(backoff.throttle(100), 50);
    window = flat(5, 1); // a quiet moment: not evidence the service recovered
    assert.equal(backoff.throttle(100), 50);
    assert.equal(backoff.lastP99, undefined);
  });

  it('slows an unthrottled backfill from unthrottledRate, and leaves it unthrottled while healthy', () => {
    let window = flat(40, 10);
    const backoff = new LatencyBackoff(() => window, { maxP99Ms: 100, unthrottledRate: 2000 });
    assert.equal(backoff.throttle(undefined), undefined);
    window = flat(40, 400);
    assert.equal(backoff.throttle(undefined), 1000);
  });

  it('never backs off without a threshold (no baseline measured and no maxP99Ms)', () => {
    const backoff = new LatencyBackoff(() => flat(100, 10_000));
    assert.equal(backoff.throttle(300), 300);
    assert.equal(backoff.factor, 1);
  });
});
