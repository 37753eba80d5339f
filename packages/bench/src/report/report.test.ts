import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Comparison, LoadResult } from '../measure.ts';
import type { ScenarioResult } from '../scenario.ts';
import { RunResults } from './claim.ts';
import { inventoryDeadlocks } from './claims/inventory.ts';
import { mergeRuns } from './merge-runs.ts';
import { floors, performanceTargets } from './performance-targets.ts';
import { BARE_PROXY_ANCHOR, BARE_ROUTE_ANCHOR } from '../bare-route.ts';
import { CLAIMS, writeReport, type RunRecord } from './write-report.ts';
import type { Environment } from './environment.ts';

const load = (perSecond: number, p99Ms = 10): LoadResult => ({
  perSecond,
  ok: 1,
  failed: 0,
  p50Ms: p99Ms / 2,
  p99Ms,
});

function comparison(label: string, anchorName: string, mine: number, theirs: number): Comparison {
  return {
    scenario: 'inventory-contention',
    label,
    anchorName,
    polyshop: load(mine),
    anchor: load(theirs),
    ratio: mine / theirs,
    rounds: 3,
  };
}

/** An inventory-contention result on PostgreSQL whose counters say who deadlocked how often. */
function contention(deadlocks: { polyshop: number; random: number }): ScenarioResult {
  const random = "the seed's BEGIN; SELECT … FOR UPDATE (random order); UPDATE; COMMIT, retried on deadlock";
  return {
    scenario: 'inventory-contention',
    target: 'postgres',
    comparisons: [comparison('postgres c=1', random, 100, 300), comparison('postgres c=64', random, 300, 2)],
    tables: [
      {
        title: "PostgreSQL's counters (5 SKUs per order of 50, summed over the rounds)",
        columns: [
          'c',
          'who',
          'deadlocks (pg_stat_database)',
          'retried by the client',
          'lock_timeout 2s',
          'waiting',
        ],
        rows: [
          [64, 'polyshop', deadlocks.polyshop, 0, 0, '1.0 / 2'],
          [64, 'seed FOR UPDATE, random order', deadlocks.random, deadlocks.random, 3, '40.1 / 64'],
        ],
      },
    ],
    checks: { oversold: 0, sellOutOrders: 10, sellOutAccepted: 5 },
  };
}

const environment: Environment = {
  machine: { cpu: 'test CPU', cores: 2, memoryGiB: 8, kernel: 'Linux test', node: 'v20', loadAtStart: 1 },
  stores: [
    { target: 'postgres', server: 'PostgreSQL 15', settings: 'fsync=on', standIn: false },
    { target: 'dynamodb', server: 'moto 5', settings: '', standIn: true },
  ],
};

describe('the report: verdicts from figures, charts rendered, every claim written', () => {
  it('reads the hot SKU targets from the pgbench anchor, and the floor at c=1 from the bare route beside it', () => {
    const hot = (comparisons: Comparison[]) =>
      new RunResults([{ scenario: 'hot-sku', target: 'postgres', comparisons, checks: { oversold: 0 } }]);
    const pgbench = comparison('postgres c=1', 'pgbench: the same conditional UPDATE', 300, 3000);
    const bare = comparison('postgres c=1', BARE_ROUTE_ANCHOR, 300, 1200);
    const results = hot([pgbench, bare]);
    // the c=1 target reads pgbench's comparison (0.1), not the bare route's (0.25)
    assert.match(performanceTargets(results), /c=1 \| ≥ 0\.5× \| 0\.100 \|/);
    const [floor, ...more] = floors(results);
    assert.equal(more.length, 0);
    assert.match(floor!, /^The floor at c=1: a bare route/);
    assert.match(floor!, /reached 1,200\/s, 0\.400× pgbench's 3,000\/s/);
    assert.match(floor!, /polyshop reached 0\.250× the bare route/);
    assert.deepEqual(floors(hot([pgbench])), [], 'no sentence without the bare route');
  });

  it('reads search through OpenSearch from the raw _search, and its floor from the bare proxy beside it', () => {
    const search = (comparisons: Comparison[]) =>
      new RunResults([{ scenario: 'search', target: 'opensearch', comparisons, checks: {} }]);
    const raw = comparison('opensearch c=16', 'raw _search: the same body, official client', 420, 600);
    const proxy = comparison('opensearch c=16', BARE_PROXY_ANCHOR, 420, 480);
    // the target reads the raw _search (0.700), whichever order the comparisons come in
    assert.match(
      performanceTargets(search([proxy, raw])),
      /search through OpenSearch against its raw _search \| ≥ 0\.8× \| 0\.700 \|/,
    );
    const [floor] = floors(search([raw, proxy]));
    assert.match(floor!, /^The floor through OpenSearch: a bare proxy/);
    assert.match(floor!, /reached 480\/s, 0\.800× the raw _search's 600\/s/);
    assert.match(floor!, /polyshop reached 0\.875× the bare proxy/);
    assert.deepEqual(floors(search([raw])), []);
  });

  it('reads "PGlite at most 5× slower" from polyshop’s rate on each engine in the same scenario and run', () => {
    const search = (target: 'pglite' | 'postgres', perSecond: number): ScenarioResult => ({
      scenario: 'search',
      target,
      comparisons: [comparison(`${target} c=16`, 'raw loop', perSecond, 100)],
      checks: {},
    });
    const table = (pglite: number) =>
      performanceTargets(new RunResults([search('pglite', pglite), search('postgres', 80)]))
        .split('\n')
        .find((line) => line.includes('5× slower than PostgreSQL: search c=16'));
    assert.match(table(20)!, /\| 4\.00× slower \| PGlite 20\.0\/s \/ PostgreSQL 80\.0\/s \| met \|$/);
    assert.match(table(10)!, /\| 8\.00× slower \|.*\| \*\*not met\*\* \|$/);
    assert.match(table(100)!, /\| 1\.25× faster \| PGlite 100\/s \/ PostgreSQL 80\.0\/s \| met \|$/);
    assert.match(
      performanceTargets(new RunResults([search('pglite', 20)])),
      /5× slower than PostgreSQL: search c=16 \| ≤ 5× \| not run/,
    );
  });

  it('reads the deadlock claim from PostgreSQL’s own counters', () => {
    const verdict = (deadlocks: { polyshop: number; random: number }) =>
      inventoryDeadlocks.build(new RunResults([contention(deadlocks)])).verdict!;
    assert.equal(
      verdict({ polyshop: 0, random: 12 }).word,
      'qualified',
      'the seed’s order deadlocks, polyshop does not',
    );
    assert.match(
      verdict({ polyshop: 0, random: 12 }).decidedBy,
      /12 deadlocks in the seed's random lock order/,
    );
    assert.equal(
      verdict({ polyshop: 3, random: 12 }).word,
      'confirmed',
      'polyshop itself deadlocking confirms it',
    );
    assert.equal(verdict({ polyshop: 0, random: 0 }).word, 'refuted', 'no deadlock anywhere refutes it');
    const none = inventoryDeadlocks.build(new RunResults([])).verdict!;
    assert.equal(none.word, 'not decided', 'no run decides nothing');
  });

  it('writes a section per claim with its charts as SVG files, stand-ins marked, and the run beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polyshop-report-'));
    try {
      const dynamo: ScenarioResult = {
        scenario: 'inventory-contention',
        target: 'dynamodb',
        comparisons: [
          comparison('dynamodb c=1', 'raw TransactWriteItems: one conditional ADD per SKU', 10, 20),
        ],
        checks: { oversold: 0 },
      };
      const run: RunRecord = {
        scale: 'small',
        command: 'polyshop bench --report',
        startedAt: '2026-12-07T08:00:00.000Z',
        finishedAt: '2026-12-07T08:10:00.000Z',
        environment,
        results: [contention({ polyshop: 0, random: 7 }), dynamo],
      };
      const file = join(dir, 'benchmarks.md');
      await writeReport(run, file);
      const text = readFileSync(file, 'utf8');
      for (const claim of CLAIMS)
        assert.ok(text.includes(`## ${claim.heading}`), `a section for ${claim.id}`);
      assert.match(text, /\*\*Verdict: qualified\*\* — 7 deadlocks/);
      assert.match(
        text,
        /\| dynamodb \| moto 5 \| {2}\| \*\*yes\*\*/,
        'the stand-in is marked where the run is described',
      );
      assert.match(text, /\| postgres \| PostgreSQL 15 \| fsync=on \| no \|/);
      const chart = join(dir, 'benchmarks', 'inventory-orders.svg');
      assert.ok(text.includes('](benchmarks/inventory-orders.svg)'), 'the report shows the chart');
      assert.match(readFileSync(chart, 'utf8'), /^<svg[^>]*>[\s\S]*polyshop \(PostgreSQL\)[\s\S]*<\/svg>$/);
      const saved = JSON.parse(readFileSync(join(dir, 'benchmarks', 'results.json'), 'utf8')) as RunRecord;
      assert.deepEqual(saved, run, 'the run is saved as it was, for --from');
      assert.equal(existsSync(join(dir, 'benchmarks', 'money.svg')), false, 'no chart without figures');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--merge keeps the earlier run’s other results, marked as carried over, and the fresh ones win', async () => {
    const earlier: RunRecord = {
      scale: 'full',
      command: 'polyshop bench --report',
      startedAt: '2026-12-07T07:00:00.000Z',
      finishedAt: '2026-12-07T09:00:00.000Z',
      environment,
      results: [
        contention({ polyshop: 0, random: 7 }),
        { scenario: 'hot-sku', target: 'postgres', comparisons: [], checks: { oversold: 0 } },
      ],
      failed: [{ scenario: 'migration', target: 'dynamodb', error: 'moto was killed' }],
    };
    const fresh: RunRecord = {
      scale: 'full',
      command: 'polyshop bench hot-sku --report --merge results.json',
      startedAt: '2026-12-07T12:00:00.000Z',
      finishedAt: '2026-12-07T12:10:00.000Z',
      environment: {
        machine: { ...environment.machine, loadAtStart: 0.5 },
        stores: [environment.stores[0]!],
      },
      results: [
        {
          scenario: 'hot-sku',
          target: 'postgres',
          comparisons: [],
          checks: { oversold: 0, deadlocks: 0 },
          finishedAt: '2026-12-07T12:09:00.000Z',
        },
      ],
    };
    const merged = mergeRuns(earlier, fresh);
    assert.deepEqual(
      merged.results.map((r) => [r.scenario, r.target, r.finishedAt]),
      [
        ['hot-sku', 'postgres', '2026-12-07T12:09:00.000Z'],
        ['inventory-contention', 'postgres', '2026-12-07T09:00:00.000Z'],
      ],
    );
    assert.deepEqual(merged.carried, [
      {
        scenario: 'inventory-contention',
        target: 'postgres',
        command: 'polyshop bench --report',
        finishedAt: '2026-12-07T09:00:00.000Z',
      },
    ]);
    assert.deepEqual(merged.failed, earlier.failed, 'a failure not re-run is still reported');
    assert.deepEqual(
      merged.environment.stores.map((s) => s.target),
      ['postgres', 'dynamodb'],
      'the stores of the carried results are still described',
    );
    assert.equal(merged.environment.machine.loadAtStart, 0.5);
    const again = mergeRuns(merged, { ...fresh, results: [contention({ polyshop: 0, random: 1 })] });
    assert.deepEqual(
      again.carried?.map((c) => `${c.scenario} ${c.command}`),
      ['hot-sku polyshop bench hot-sku --report --merge results.json'],
      'a result measured again is no longer carried; one carried twice names the run that measured it',
    );
    const dir = mkdtempSync(join(tmpdir(), 'polyshop-report-'));
    try {
      await writeReport(merged, join(dir, 'benchmarks.md'));
      assert.match(
        readFileSync(join(dir, 'benchmarks.md'), 'utf8'),
        /\| carried over \| inventory-contention on postgres \(2026-12-07 09:00 UTC\): these figures come from an earlier run/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
