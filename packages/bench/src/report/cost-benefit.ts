import type { Comparison } from '../measure.ts';
import type { TargetName } from '../scenario.ts';
import type { Chart, RunResults } from './claim.ts';
import { markdownTable, perSecond, ratio } from './markdown.ts';

/** A service the seed would move, what it expects, and the figure the report compares on both stores. */
interface Move {
  service: string;
  seedGain: string;
  store: TargetName;
  scenario: string;
  /** The comparison compared on both stores: the label after the target's name (`c=16 uncached`). */
  label: string;
  what: string;
}

const MOVES: readonly Move[] = [
  {
    service: 'Product',
    seedGain: 'High',
    store: 'mongodb',
    scenario: 'catalog',
    label: 'c=16 uncached',
    what: 'category page with facets, pages/s',
  },
  {
    service: 'Product (seed’s query)',
    seedGain: 'High',
    store: 'mongodb',
    scenario: 'catalog',
    label: "c=16 seed's query uncached",
    what: 'smartphones, camera 48MP, storage 256/512GB, pages/s',
  },
  {
    service: 'Inventory (orders)',
    seedGain: 'Very High',
    store: 'dynamodb',
    scenario: 'inventory-contention',
    label: 'c=16',
    what: 'multi-SKU reservations, orders/s',
  },
  {
    service: 'Inventory (hot SKU)',
    seedGain: 'Very High',
    store: 'dynamodb',
    scenario: 'hot-sku',
    label: 'c=16',
    what: '1-unit reservations of one SKU, per s',
  },
  {
    service: 'Search',
    seedGain: '—',
    store: 'opensearch',
    scenario: 'search',
    label: 'c=16',
    what: 'q=smartphone, searches/s',
  },
];

/** polyshop's figure of `scenario` on `target` for `label` (the first such comparison). */
function figure(
  results: RunResults,
  scenario: string,
  target: TargetName,
  label: string,
): Comparison | undefined {
  if (scenario === 'hot-sku' && target === 'dynamodb') {
    // the DynamoDB hot SKU has a scenario of its own; its unsharded SKU is the like-for-like figure
    return results.comparisons('hot-sku-dynamodb', 'dynamodb').find((c) => c.label === `shards=1 ${label}`);
  }
  return results.comparisons(scenario, target).find((c) => c.label === `${target} ${label}`);
}

/**
 * The seed's cost-benefit table redone from this run: for each service it would move, polyshop's own
 * figure on the target store over the same figure on PostgreSQL (same scenario, same load, same run).
 */
export function costBenefit(results: RunResults): { table: string; chart?: Chart } {
  const points: { service: string; gain: number }[] = [];
  const rows = MOVES.map((move) => {
    const there = figure(results, move.scenario, move.store, move.label);
    const here = figure(results, move.scenario, 'postgres', move.label);
    const store = results.storeName(move.store);
    if (!there || !here) return [move.service, move.seedGain, store, move.what, 'not measured', ''];
    const gain = there.polyshop.perSecond / here.polyshop.perSecond;
    points.push({ service: `${move.service} → ${store}`, gain });
    return [
      move.service,
      move.seedGain,
      store,
      move.what,
      `${ratio(gain)}× (${perSecond(there.polyshop.perSecond)} against ${perSecond(here.polyshop.perSecond)})`,
      results.standIns.has(move.store) ? 'stand-in: describes the stand-in, not the product' : 'real server',
    ];
  });
  rows.push(['User / Order / Payment', 'N/A (stay)', 'PostgreSQL', '—', 'no move: nothing to compare', '']);
  const table = markdownTable(
    [
      'service',
      'seed’s performance gain',
      'target store',
      'figure',
      'measured: target ÷ PostgreSQL',
      'server',
    ],
    rows,
  );
  if (points.length === 0) return { table };
  return {
    table,
    chart: {
      name: 'cost-benefit',
      alt: 'Measured gain of each service’s target store over PostgreSQL (1 = the same; log scale)',
      spec: {
        title: 'Target store ÷ PostgreSQL, polyshop’s own figure (log scale; 1 = no gain)',
        data: { values: points },
        encoding: {
          y: { field: 'service', type: 'nominal', title: null, sort: null },
        },
        layer: [
          {
            mark: 'bar',
            encoding: {
              x: { field: 'gain', type: 'quantitative', title: 'gain', scale: { type: 'log' } },
              x2: { datum: 1 },
              color: { condition: { test: 'datum.gain >= 1', value: '#1a7f37' }, value: '#cf222e' },
            },
          },
          { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { x: { datum: 1 } } },
        ],
      },
    },
  };
}
