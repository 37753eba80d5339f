import type { Comparison } from '../measure.ts';
import type { TargetName } from '../scenario.ts';
import { BARE_PROXY_ANCHOR, BARE_ROUTE_ANCHOR } from '../bare-route.ts';
import { concurrencyOf, type RunResults } from './claim.ts';
import { markdownTable, millis, perSecond, ratio } from './markdown.ts';

/** One target of the performance issue (12): which comparison it reads, and what it must reach. */
interface PerformanceTarget {
  what: string;
  scenario: string;
  target: TargetName;
  /** The comparison: its label is `<target> <label>` (the highest concurrency without one), its anchor contains `anchor`. */
  label?: string;
  anchor?: string;
  /** What is compared with `goal`: the ratio, or polyshop's p99 in ms. */
  figure: 'ratio' | 'p99';
  goal: number;
  is: 'at least' | 'at most';
}

const TARGETS: readonly PerformanceTarget[] = [
  ...(
    [
      [1, 0.5],
      [16, 1],
      [64, 2],
    ] as const
  ).map(([c, goal]) => ({
    what: `hot SKU over HTTP against the raw single-row UPDATE, c=${c}`,
    scenario: 'hot-sku',
    target: 'postgres' as const,
    label: `c=${c}`,
    anchor: 'same conditional UPDATE',
    figure: 'ratio' as const,
    goal,
    is: 'at least' as const,
  })),
  {
    what: 'PGlite hot SKU against its raw loop, c=16',
    scenario: 'hot-sku',
    target: 'pglite',
    label: 'c=16',
    figure: 'ratio',
    goal: 0.5,
    is: 'at least',
  },
  {
    what: 'category page with facets, PostgreSQL uncached, c=16: p99 ms',
    scenario: 'catalog',
    target: 'postgres',
    label: 'c=16 uncached',
    figure: 'p99',
    goal: 50,
    is: 'at most',
  },
  {
    what: 'category page, cached against uncached (PostgreSQL)',
    scenario: 'catalog',
    target: 'postgres',
    label: 'c=16 cached',
    figure: 'ratio',
    goal: 5,
    is: 'at least',
  },
  {
    what: 'category page on the MongoDB stand-in against the raw driver with the adapter’s pipeline',
    scenario: 'catalog',
    target: 'mongodb',
    label: 'c=16 uncached',
    figure: 'ratio',
    goal: 0.8,
    is: 'at least',
  },
  {
    what: 'search q=smartphone on PostgreSQL: p99 ms',
    scenario: 'search',
    target: 'postgres',
    label: 'c=16',
    anchor: 'pgbench',
    figure: 'p99',
    goal: 50,
    is: 'at most',
  },
  {
    what: 'search on PostgreSQL against raw OpenSearch',
    scenario: 'search',
    target: 'postgres',
    label: 'c=16',
    anchor: 'raw OpenSearch',
    figure: 'ratio',
    goal: 0.5,
    is: 'at least',
  },
  {
    what: 'search through OpenSearch against its raw _search',
    scenario: 'search',
    target: 'opensearch',
    label: 'c=16',
    anchor: 'raw _search',
    figure: 'ratio',
    goal: 0.8,
    is: 'at least',
  },
  {
    what: 'checkout on PostgreSQL against a pgbench replay of its statements (highest c)',
    scenario: 'checkout',
    target: 'postgres',
    figure: 'ratio',
    goal: 0.5,
    is: 'at least',
  },
  {
    what: 'checkout on PGlite, c=32: p99 ms',
    scenario: 'checkout',
    target: 'pglite',
    label: 'c=32',
    figure: 'p99',
    goal: 1000,
    is: 'at most',
  },
];

/** The comparison a target reads (the highest concurrency when its label matches several). */
function comparisonFor(results: RunResults, target: PerformanceTarget): Comparison | undefined {
  const matching = results
    .comparisons(target.scenario, target.target, target.anchor)
    .filter((c) => !target.label || c.label === `${target.target} ${target.label}`);
  return matching.sort((a, b) => concurrencyOf(b) - concurrencyOf(a))[0];
}

/** The performance issue's targets as a table: each one's figure in this run, its anchor, and whether it is met. */
export function performanceTargets(results: RunResults): string {
  const rows = TARGETS.map((target) => {
    const c = comparisonFor(results, target);
    const sign = target.is === 'at least' ? '≥' : '≤';
    const goal = target.figure === 'p99' ? `${sign} ${millis(target.goal)}` : `${sign} ${target.goal}×`;
    if (!c) return [target.what, goal, 'not run', '', ''];
    const value = target.figure === 'p99' ? c.polyshop.p99Ms : c.ratio;
    const met = target.is === 'at least' ? value >= target.goal : value <= target.goal;
    return [
      target.what,
      goal,
      target.figure === 'p99' ? millis(value) : ratio(value),
      `${perSecond(c.polyshop.perSecond)} (p99 ${millis(c.polyshop.p99Ms)}) / ${c.anchorName}: ${perSecond(c.anchor.perSecond)}`,
      met ? 'met' : '**not met**',
    ];
  });
  return markdownTable(
    ['target', 'goal', 'this run', 'polyshop / anchor', ''],
    [...rows, ...pgliteAgainstPostgres(results)],
  );
}

/** The runs PGlite must not be more than 5× slower in than PostgreSQL: scenario and comparison label. */
const PGLITE_RUNS = [
  ['hot-sku', 'c=16'],
  ['hot-sku', 'c=64'],
  ['checkout', 'c=32'],
  ['catalog', 'c=16 uncached'],
  ['catalog', "c=16 seed's query uncached"],
  ['search', 'c=16'],
] as const;

/** PGlite against PostgreSQL, polyshop's own rate on each (the first comparison of the run's label). */
function pgliteAgainstPostgres(results: RunResults): string[][] {
  return PGLITE_RUNS.map(([scenario, label]) => {
    const rate = (target: TargetName) =>
      results.comparisons(scenario, target).find((c) => c.label === `${target} ${label}`)?.polyshop.perSecond;
    const [pglite, postgres] = [rate('pglite'), rate('postgres')];
    const what = `PGlite at most 5× slower than PostgreSQL: ${scenario} ${label}`;
    if (!pglite || !postgres) return [what, '≤ 5×', 'not run', '', ''];
    const slower = postgres / pglite;
    return [
      what,
      '≤ 5×',
      slower >= 1 ? `${ratio(slower)}× slower` : `${ratio(1 / slower)}× faster`,
      `PGlite ${perSecond(pglite)} / PostgreSQL ${perSecond(postgres)}`,
      slower <= 5 ? 'met' : '**not met**',
    ];
  });
}

/**
 * A floor anchor beside a target's anchor in one comparison label: a bare HTTP route in front of the
 * same store call (`bare-route.ts`), its rate against the target's anchor, and polyshop against it.
 */
interface Floor {
  scenario: string;
  target: TargetName;
  label: string;
  /** The target's anchor (contained in its name) and the floor's (its whole name, `<kind>: <what>`). */
  anchor: string;
  floor: string;
  /** How the sentence opens, and how it names the target's anchor. */
  opening: string;
  anchorName: string;
  /** Why the hop costs what it does. */
  why: string;
}

const FLOORS: readonly Floor[] = [
  {
    scenario: 'hot-sku',
    target: 'postgres',
    label: 'postgres c=1',
    anchor: 'same conditional UPDATE',
    floor: BARE_ROUTE_ANCHOR,
    opening: 'The floor at c=1',
    anchorName: 'pgbench',
    why:
      'One request at a time waits for every step in turn (the HTTP request, the statement, the commit, the answer), ' +
      'so what HTTP and Node add is paid in full at c=1.',
  },
  {
    scenario: 'search',
    target: 'opensearch',
    label: 'opensearch c=16',
    anchor: 'raw _search',
    floor: BARE_PROXY_ANCHOR,
    opening: 'The floor through OpenSearch',
    anchorName: 'the raw _search',
    why:
      'The HTTP hop (the load client to Node, Node to OpenSearch and back) takes CPU from the same two cores ' +
      'OpenSearch answers on, which the in-process raw client does not.',
  },
];

/**
 * The floors the run measured, one sentence each: the bare route's rate against the target's anchor,
 * both anchors of this run, and polyshop against the bare route.
 */
export function floors(results: RunResults): string[] {
  return FLOORS.flatMap((floor) => {
    const at = (anchor: string) =>
      results.comparisons(floor.scenario, floor.target, anchor).find((c) => c.label === floor.label);
    const [bare, raw] = [at(floor.floor), at(floor.anchor)];
    if (!bare || !raw) return [];
    const split = floor.floor.indexOf(': ');
    const [kind, what] = [floor.floor.slice(0, split), floor.floor.slice(split + 2)];
    return [
      `${floor.opening}: a ${kind} (${what}) ` +
        `reached ${perSecond(bare.anchor.perSecond)}, ${ratio(bare.anchor.perSecond / raw.anchor.perSecond)}× ` +
        `${floor.anchorName}'s ${perSecond(raw.anchor.perSecond)} in the same run; polyshop reached ${ratio(bare.ratio)}× the ${kind}. ` +
        floor.why,
    ];
  });
}
