import type { TargetName } from '../../scenario.ts';
import { notMeasured, type Claim, type RunResults, type Verdict } from '../claim.ts';
import { count, markdownTable, millis, ratio } from '../markdown.ts';

const SCENARIO = 'schema-change';
const TARGETS: readonly TargetName[] = ['postgres', 'pglite', 'mongodb'];

/** The changes a run makes, by the key its checks use. */
const CHANGES = [
  { key: 'polyshop', label: ': category PATCH', what: 'polyshop', short: 'polyshop: category PATCH' },
  {
    key: 'addColumn',
    label: 'raw: ADD COLUMN (no default)',
    what: "the seed's column: `ALTER TABLE … ADD COLUMN`",
    short: 'ADD COLUMN',
  },
  {
    key: 'addColumnRewrite',
    label: 'raw: ADD COLUMN … DEFAULT clock_timestamp()',
    what: '… with a default that rewrites the table',
    short: 'ADD COLUMN, rewriting default',
  },
] as const;

function figure(results: RunResults, target: TargetName, key: string, name: string): number | undefined {
  return results.get(SCENARIO, target)?.checks[`${key}.${name}`];
}

function verdictOf(results: RunResults): Verdict {
  const change = figure(results, 'postgres', 'polyshop', 'changeMs');
  if (change === undefined) {
    return {
      word: 'not decided',
      decidedBy: 'no PostgreSQL run',
      reading: 'The scenario did not run on PostgreSQL.',
    };
  }
  const filterable = figure(results, 'postgres', 'polyshop', 'filterableMs') ?? Number.NaN;
  const failed = figure(results, 'postgres', 'polyshop', 'writesFailed') ?? 0;
  const plain = figure(results, 'postgres', 'addColumn', 'changeMs') ?? Number.NaN;
  const rewrite = figure(results, 'postgres', 'addColumnRewrite', 'changeMs') ?? Number.NaN;
  const stall = results
    .comparisons(SCENARIO, 'postgres')
    .find((c) => c.label.startsWith('raw: ADD COLUMN … DEFAULT'));
  const decidedBy =
    `polyshop (JSONB): no DDL, the change ${millis(change)}, filterable after ${millis(filterable)}, ${count(failed)} writes failed; ` +
    `the seed's ADD COLUMN ${millis(plain)}, with a rewriting default ${millis(rewrite)}` +
    (stall ? ` (write p99 ×${ratio(stall.ratio)} during it)` : '');
  return {
    word: failed === 0 ? 'qualified' : 'confirmed',
    decidedBy,
    reading:
      failed === 0
        ? 'On PostgreSQL with attributes in JSONB, adding a product attribute is not a schema change: it is a row ' +
          'of the category, written in milliseconds while the writers go on, and filterable as soon as products ' +
          'carry it — "requires schema changes" is refuted for this design. For the seed\'s column-per-attribute ' +
          'table it holds, and its cost is the migration workflow more than a stall: `ADD COLUMN` without a ' +
          'default is metadata only since PostgreSQL 11, while a default that must be computed per row rewrites ' +
          'the table under an ACCESS EXCLUSIVE lock that stops every writer for the rewrite (it grows with the table).'
        : "Writes failed while polyshop changed the category: the change got in the writers' way.",
  };
}

export const schemaChange: Claim = {
  id: 'schema-change',
  heading: 'Products on PostgreSQL: "adding new product attributes requires schema changes"',
  quote: [
    '```sql',
    '-- Nightmare: Adding new product attributes requires schema changes',
    'ALTER TABLE products ADD COLUMN battery_capacity VARCHAR(50);',
    'ALTER TABLE products ADD COLUMN water_resistance VARCHAR(50);',
    '-- Every new product type = more columns!',
    '```',
    '',
    "and its migration trigger: `productService: 'Schema changes every sprint for new product types'`.",
  ].join('\n'),
  scenarios: [SCENARIO],
  method:
    'A category holding most of the demo catalogue (30,000 products at full scale) and 4 writers `PATCH`ing their ' +
    'own products (If-Match) over HTTP; during the writes the category gains an optional enum facet ' +
    '(`PATCH /products/categories/clothing`); the bench tags 5 other products and polls the filter ' +
    '(`attr.ecoScore=A`, uncached) until it lists exactly them. For contrast, on the same PostgreSQL, the ' +
    "seed's column-per-attribute table with as many rows, 4 raw `UPDATE` writers, `ALTER TABLE … ADD COLUMN` " +
    'without a default, then with a volatile default (`clock_timestamp()`: every row rewritten). One change per ' +
    "run: each write figure is the writers' p99 during the change against their own p99 before it.",
  build(results) {
    const rows: (string | number)[][] = [];
    const bars: { change: string; ms: number }[] = [];
    for (const target of TARGETS) {
      const result = results.get(SCENARIO, target);
      if (!result) continue;
      for (const change of CHANGES) {
        const during = result.comparisons.find((c) => c.label.includes(change.label));
        if (!during) continue;
        const at = (name: string) => figure(results, target, change.key, name) ?? Number.NaN;
        bars.push({ change: `${results.storeName(target)}: ${change.short}`, ms: at('changeMs') });
        rows.push([
          results.storeName(target),
          change.key === 'polyshop' ? `polyshop: ${during.label}` : change.what,
          millis(at('changeMs')),
          change.key === 'polyshop'
            ? `${millis(at('filterableMs'))} (${millis(at('tagMs'))} tagging)`
            : millis(at('filterableMs')),
          `${millis(during.anchor.p99Ms)} → ${millis(during.polyshop.p99Ms)} (×${ratio(during.ratio)})`,
          `${millis(at('writeMaxBeforeMs'))} → ${millis(at('writeMaxDuringMs'))}`,
          `${count(at('writesFailed'))} / ${count(at('writesLost'))}`,
        ]);
      }
    }
    return {
      body: rows.length
        ? markdownTable(
            [
              'store',
              'change',
              'change took',
              'filterable after',
              'write p99 before → during',
              'write max before → during',
              'failed / lost',
            ],
            rows,
          )
        : notMeasured('The schema change'),
      verdict: verdictOf(results),
      charts: bars.length
        ? [
            {
              name: 'schema-change',
              alt: 'How long each way of adding an attribute took, per store',
              spec: {
                title: 'Adding an attribute under writes: how long the change took',
                data: { values: bars },
                mark: { type: 'point', filled: true, size: 90 },
                encoding: {
                  y: { field: 'change', type: 'nominal', title: null, sort: null },
                  x: { field: 'ms', type: 'quantitative', title: 'ms (log scale)', scale: { type: 'log' } },
                },
              },
            },
          ]
        : [],
    };
  },
};
