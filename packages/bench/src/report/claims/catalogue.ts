import type { TargetName } from '../../scenario.ts';
import type { Comparison } from '../../measure.ts';
import { notMeasured, type Claim, type RunResults, type Verdict } from '../claim.ts';
import { count, markdownTable, millis, perSecond, ratio } from '../markdown.ts';

const SCENARIO = 'catalog';
const PLANS = "plans of the adapter's SQL";
const TARGETS: readonly TargetName[] = ['pglite', 'postgres', 'mongodb'];

/** The comparison of `target` whose label ends with `kind` (`uncached`, `cached`, `seed's query uncached`). */
function find(results: RunResults, target: TargetName, kind: string): Comparison | undefined {
  return results.comparisons(SCENARIO, target).find((c) => c.label.endsWith(` ${kind}`));
}

function verdictOf(results: RunResults): Verdict {
  const page = find(results, 'postgres', 'uncached');
  const seed = find(results, 'postgres', "seed's query uncached");
  const plans = results.rows(SCENARIO, 'postgres', PLANS);
  if (!page || plans.length === 0) {
    return {
      word: 'not decided',
      decidedBy: 'no PostgreSQL run',
      reading: 'The scenario did not run on PostgreSQL.',
    };
  }
  const wholeReads = plans.filter((row) => row.get('reads products whole') === 'yes').length;
  const products = results.get(SCENARIO, 'postgres')?.checks.products ?? 0;
  const seedText = seed
    ? `; the seed's own query ${perSecond(seed.polyshop.perSecond)}, p99 ${millis(seed.polyshop.p99Ms)}`
    : '';
  const decidedBy =
    `${plans.length - wholeReads} of ${plans.length} statements on an index, ${wholeReads} reading the table whole; ` +
    `the category page at ${count(products)} products ${perSecond(page.polyshop.perSecond)}, p99 ${millis(page.polyshop.p99Ms)} uncached at c=16${seedText}`;
  const indexed = wholeReads === 0;
  return {
    word: indexed ? 'qualified' : 'confirmed',
    decidedBy,
    reading: indexed
      ? "PostgreSQL indexes JSONB: every statement of the category page and of the seed's own example query " +
        '(a nested `specifications` value and an attribute list) runs on an index, and no statement reads the ' +
        'products table whole — "no proper indexing" is refuted. "Poor performance" is not decided by the ' +
        'store alone: the figures above are the whole HTTP page with its facet counts on this 2-core machine, ' +
        'and the MongoDB figures here come from a stand-in, so no MongoDB-against-PostgreSQL verdict is drawn.'
      : 'At least one statement reads the products table whole: the planner found no index for it.',
  };
}

export const catalogueJson: Claim = {
  id: 'catalogue-json',
  heading: 'Catalogue on PostgreSQL: JSON "poor performance, no proper indexing"',
  quote: [
    '```sql',
    '-- JSON columns become unmanageable',
    'SELECT * FROM products',
    "WHERE JSON_EXTRACT(specifications, '$.camera.main') = '48MP'",
    "AND JSON_EXTRACT(attributes, '$.storage') IN ('256GB', '512GB');",
    '-- Poor performance, no proper indexing',
    '```',
  ].join('\n'),
  scenarios: [SCENARIO],
  method:
    'The demo catalogue (`loadCatalogue`, seed 42) in the catalog service on each store. The category page ' +
    '`GET /products?category=clothing` (35 % of the catalogue, first page, every facet) at 16 concurrent clients ' +
    "over HTTP, uncached (`Cache-Control: no-cache`) against the adapter's own statements run raw (pgbench on " +
    'PostgreSQL, a loop in the process on PGlite, the official driver on MongoDB), then cached against uncached; ' +
    "and the seed's own example, `GET /products?category=smartphones&spec.camera.main=48MP&attr.storage=256GB,512GB`, " +
    'uncached against its raw statements. On PostgreSQL and PGlite, `EXPLAIN` of every statement of both.',
  build(results) {
    const rows: (string | number)[][] = [];
    for (const target of TARGETS) {
      for (const c of results.comparisons(SCENARIO, target)) {
        rows.push([
          results.storeName(target),
          c.label.replace(`${target} `, ''),
          `${perSecond(c.polyshop.perSecond)}, p99 ${millis(c.polyshop.p99Ms)}`,
          c.anchorName,
          `${perSecond(c.anchor.perSecond)}, p99 ${millis(c.anchor.p99Ms)}`,
          ratio(c.ratio),
        ]);
      }
    }
    const parts = [
      rows.length
        ? markdownTable(['store', 'page', 'polyshop', 'anchor', 'anchor figure', 'ratio'], rows)
        : notMeasured('The catalogue'),
    ];
    for (const target of ['postgres', 'pglite'] as const) {
      const plans = results.table(SCENARIO, target, PLANS);
      if (plans)
        parts.push(
          '',
          `${results.storeName(target)}, ${plans.title}:`,
          '',
          markdownTable(plans.columns, plans.rows),
        );
    }
    const bars = TARGETS.flatMap((target) =>
      results.comparisons(SCENARIO, target).flatMap((c) => [
        {
          store: results.storeName(target),
          page: c.label.replace(`${target} c=16 `, ''),
          who: 'polyshop',
          rate: c.polyshop.perSecond,
        },
      ]),
    );
    return {
      body: parts.join('\n'),
      verdict: verdictOf(results),
      charts: bars.length
        ? [
            {
              name: 'catalogue-pages',
              alt: "Category pages a second at 16 clients, uncached, cached and the seed's query, per store",
              spec: {
                title: 'Catalogue pages a second at c=16, per store (log scale)',
                data: { values: bars },
                mark: { type: 'point', filled: true, size: 90 },
                encoding: {
                  y: { field: 'page', type: 'nominal', title: null },
                  x: {
                    field: 'rate',
                    type: 'quantitative',
                    title: 'pages / s (log scale)',
                    scale: { type: 'log' },
                  },
                  color: { field: 'store', type: 'nominal', title: null },
                  shape: { field: 'store', type: 'nominal', title: null },
                },
              },
            },
          ]
        : [],
    };
  },
};
