import type { TargetName } from '../../scenario.ts';
import { cellOf, notMeasured, type Claim, type RunResults, type Verdict } from '../claim.ts';
import { markdownTable } from '../markdown.ts';

const SCENARIO = 'money';
const TARGETS: readonly TargetName[] = ['postgres', 'pglite', 'mongodb', 'dynamodb', 'opensearch'];

/** Every row of every store's money table, with its store. */
function allRows(results: RunResults) {
  return TARGETS.flatMap((target) =>
    results.rows(SCENARIO, target, 'money through').map((row) => ({ target, row })),
  );
}

const exact = (row: Map<string, string | number>) => cellOf(row, 'held exactly') === 'yes';

function verdictOf(results: RunResults): Verdict {
  const rows = allRows(results);
  if (rows.length === 0)
    return { word: 'not decided', decidedBy: 'no run', reading: 'The scenario did not run.' };
  const doubles = rows.filter(
    ({ row }) =>
      /double/.test(String(cellOf(row, 'stored as'))) && String(cellOf(row, 'sum')).startsWith('0.10'),
  );
  const doublesWrong = doubles.filter(({ row }) => cellOf(row, 'reads right') === 'NO').length;
  const decimal = rows.filter(
    ({ target, row }) => target === 'mongodb' && /Decimal128/.test(String(cellOf(row, 'stored as'))),
  );
  const polyshop = rows.filter(({ row }) => cellOf(row, 'path') === 'polyshop');
  const polyshopExact = polyshop.filter(({ row }) => exact(row)).length;
  const decidedBy =
    `0.1 + 0.2 read back wrong from ${doublesWrong} of ${doubles.length} doubles; ` +
    `MongoDB Decimal128 exact in ${decimal.filter(({ row }) => exact(row)).length} of ${decimal.length}; ` +
    `polyshop's own paths exact in ${polyshopExact} of ${polyshop.length}`;
  return {
    word: 'qualified',
    decidedBy,
    reading:
      "`0.1 + 0.2` is 0.30000000000000004 in every double — MongoDB's, PostgreSQL's `double precision`, " +
      "OpenSearch's, a JavaScript number — so the arithmetic is confirmed. The claim about MongoDB is not: it " +
      'stores money as a double only when given one, and its `Decimal128` adds exactly (on the stand-in here; ' +
      "the type is MongoDB's own). polyshop keeps money exact on every store: `numeric` in PostgreSQL, " +
      '`Decimal128` in MongoDB, a decimal string and an exact scaled `long` in OpenSearch; its checkout ' +
      'subtotals add exactly whichever store holds the prices.',
  };
}

export const moneyDoubles: Claim = {
  id: 'money-doubles',
  heading: 'Orders and payments on MongoDB: "0.1 + 0.2 = 0.30000000000000004"',
  quote: [
    '```javascript',
    '// Problem: Decimal precision issues',
    '// MongoDB stores as doubles, leading to: 0.1 + 0.2 = 0.30000000000000004',
    '```',
    '',
    '```javascript',
    '// Problem: Floating point precision errors',
    'const payment = {amount: 19.99, tax: 1.60, total: 21.59};',
    '// Stored as: {amount: 19.989999999999998, tax: 1.5999999999999999}',
    '// Fails financial audits!',
    '```',
  ].join('\n'),
  scenarios: [SCENARIO],
  method:
    "Each sum written and read back through each store's stored type, the store adding the two values itself " +
    '(SQL `a + b`, `$add`, `SET #t = #a + #b`, a `sum` aggregation). "Reads right" compares what the client ' +
    'reads with the expected decimal; "held exactly" the value the store holds (a double\'s exact binary value). ' +
    'The polyshop rows are its own paths: two products priced `a` and `b`, one unit of each checked out over ' +
    "HTTP and the order's subtotal read back; for OpenSearch, the fields the search index keeps a price in. " +
    'A polyshop row that is not exact fails the run. No timing.',
  build(results) {
    const rows = allRows(results).map(({ target, row }) => [
      results.storeName(target),
      String(cellOf(row, 'stored as')),
      String(cellOf(row, 'sum')),
      String(cellOf(row, 'read back')),
      String(cellOf(row, 'reads right')),
      String(cellOf(row, 'held exactly')),
      String(cellOf(row, 'path')),
    ]);
    const points = allRows(results).map(({ target, row }) => ({
      type: `${results.storeName(target)}: ${String(cellOf(row, 'stored as'))}`.slice(0, 70),
      sum: String(cellOf(row, 'sum')),
      exact: exact(row) ? 'held exactly' : 'not exact',
    }));
    return {
      body: rows.length
        ? markdownTable(
            ['store', 'stored as', 'sum', 'read back', 'reads right', 'held exactly', 'path'],
            rows,
          )
        : notMeasured('Money'),
      verdict: verdictOf(results),
      charts: points.length
        ? [
            {
              name: 'money',
              alt: 'For each store and stored type, whether 19.99 + 1.60 and 0.10 + 0.20 are held exactly',
              spec: {
                title: 'Is the sum held exactly? (each store and stored type)',
                width: 200,
                height: { step: 16 },
                data: { values: points },
                mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
                encoding: {
                  y: { field: 'type', type: 'nominal', title: null, sort: null },
                  x: { field: 'sum', type: 'nominal', title: null, axis: { orient: 'top', labelAngle: 0 } },
                  color: {
                    field: 'exact',
                    type: 'nominal',
                    title: null,
                    scale: { domain: ['held exactly', 'not exact'], range: ['#1a7f37', '#cf222e'] },
                  },
                },
              },
            },
          ]
        : [],
    };
  },
};
