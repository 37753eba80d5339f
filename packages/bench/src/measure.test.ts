import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareInterleaved,
  goalMet,
  median,
  medianRun,
  quantile,
  runLoad,
  type LoadResult,
} from './measure.ts';

const run = (perSecond: number): LoadResult => ({ perSecond, ok: 1, failed: 0, p50Ms: 1, p99Ms: 2 });

describe('benchmark measures', () => {
  it('takes nearest-rank quantiles and medians', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    assert.equal(quantile(values, 0.5), 5);
    assert.equal(quantile(values, 0.99), 10);
    assert.equal(quantile(values, 0), 1);
    assert.equal(quantile([], 0.5), 0);
    assert.equal(median([3, 1, 2]), 2);
  });

  it('keeps the run whose rate is the median', () => {
    assert.deepEqual(medianRun([run(10), run(30), run(20)]), run(20));
  });

  it('interleaves the rounds A B A B and reports the ratio of the medians', async () => {
    const order: string[] = [];
    const rates = { a: [10, 30, 20], b: [5, 15, 10] };
    const result = await compareInterleaved({
      scenario: 'x',
      label: 'y',
      anchorName: 'z',
      rounds: 3,
      polyshop: async () => (order.push('A'), run(rates.a.shift()!)),
      anchor: async () => (order.push('B'), run(rates.b.shift()!)),
    });
    assert.deepEqual(order, ['A', 'B', 'A', 'B', 'A', 'B']);
    assert.equal(result.polyshop.perSecond, 20);
    assert.equal(result.anchor.perSecond, 10);
    assert.equal(result.ratio, 2);
  });

  it('with warmUp, runs one unmeasured round of each first', async () => {
    const order: string[] = [];
    const rates = { a: [1, 10, 30, 20], b: [1, 5, 15, 10] };
    const result = await compareInterleaved({
      scenario: 'x',
      label: 'y',
      anchorName: 'z',
      rounds: 3,
      warmUp: true,
      polyshop: async () => (order.push('A'), run(rates.a.shift()!)),
      anchor: async () => (order.push('B'), run(rates.b.shift()!)),
    });
    assert.deepEqual(order, ['A', 'B', 'A', 'B', 'A', 'B', 'A', 'B']);
    assert.equal(result.polyshop.perSecond, 20);
    assert.equal(result.anchor.perSecond, 10);
    assert.equal(result.rounds, 3);
  });

  it('with metric p99, keeps the runs of median p99 and divides the p99s; a goal is met or not', async () => {
    const latency = (p99Ms: number): LoadResult => ({
      perSecond: 100 - p99Ms,
      ok: 1,
      failed: 0,
      p50Ms: 1,
      p99Ms,
    });
    const p99s = { a: [90, 30, 60], b: [20, 40, 10] };
    const result = await compareInterleaved({
      scenario: 'x',
      label: 'y',
      anchorName: 'z',
      rounds: 3,
      metric: 'p99',
      goal: { ratio: 2, is: 'at most' },
      polyshop: async () => latency(p99s.a.shift()!),
      anchor: async () => latency(p99s.b.shift()!),
    });
    assert.equal(result.polyshop.p99Ms, 60);
    assert.equal(result.anchor.p99Ms, 20);
    assert.equal(result.ratio, 3);
    assert.equal(goalMet(result), false);
    assert.equal(goalMet({ ratio: 2, goal: { ratio: 2, is: 'at most' } }), true);
    assert.equal(goalMet({ ratio: 0.4, goal: { ratio: 0.5, is: 'at least' } }), false);
    assert.equal(goalMet({ ratio: 0.4 }), undefined);
  });

  it('counts successes, refusals and throws separately from the loops', async () => {
    const outcomes = { succeeded: 0, refused: 0, threw: 0 };
    const result = await runLoad({
      concurrency: 3,
      durationMs: 30,
      operation: async (worker, sequence) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (worker === 2) {
          outcomes.threw++;
          throw new Error('boom');
        }
        if (sequence % 2 === 0) outcomes.succeeded++;
        else outcomes.refused++;
        return sequence % 2 === 0;
      },
    });
    // Whatever the machine's speed, every call is counted once, on the right side.
    assert.equal(result.ok, outcomes.succeeded);
    assert.equal(result.failed, outcomes.refused + outcomes.threw);
    assert.ok(outcomes.threw >= 1 && outcomes.succeeded >= 1);
    assert.ok(result.p99Ms >= result.p50Ms);
    assert.equal(result.firstError, 'boom');
  });

  it('refuses a comparison whose anchor failed every operation, naming its first error', async () => {
    const failing = () =>
      runLoad({
        concurrency: 1,
        durationMs: 10,
        operation: async () => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          throw new Error('duplicate key value violates unique constraint');
        },
      });
    await assert.rejects(
      compareInterleaved({
        scenario: 'x',
        label: 'pglite c=1',
        anchorName: 'raw loop',
        rounds: 1,
        polyshop: async () => run(10),
        anchor: failing,
      }),
      /pglite c=1: the anchor \(raw loop\) failed all \d+ operations: duplicate key value/,
    );
  });
});
