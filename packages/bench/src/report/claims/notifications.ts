import type { TargetName } from '../../scenario.ts';
import { notMeasured, type Claim, type RunResults, type Verdict } from '../claim.ts';
import { count, markdownTable, millis, ratio } from '../markdown.ts';

const SCENARIO = 'notification-queries';
const TARGETS: readonly TargetName[] = ['postgres', 'pglite', 'mongodb'];

/** A comparison's query shape and plan: `channel+day [Index Scan …]` → [`channel+day`, `Index Scan …`]. */
function shapeOf(label: string): [string, string] {
  const match = /^(.*?)(?: \[(.*)\])?$/.exec(label)!;
  return [match[1]!, match[2] ?? '—'];
}

function verdictOf(results: RunResults): Verdict {
  const result = results.get(SCENARIO, 'postgres');
  if (!result)
    return {
      word: 'not decided',
      decidedBy: 'no PostgreSQL run',
      reading: 'The scenario did not run on PostgreSQL.',
    };
  const shapes = result.comparisons.filter((c) => !c.label.includes('GIN added'));
  const seqScans = Object.entries(result.checks).filter(
    ([key, value]) => key.startsWith('seqScan.') && value > 0,
  ).length;
  const slowest = shapes.reduce((a, b) => (b.polyshop.p99Ms > a.polyshop.p99Ms ? b : a));
  const records = result.checks.records ?? 0;
  return {
    word: seqScans === 0 ? 'refuted' : 'qualified',
    decidedBy:
      `${shapes.length} delivery-log queries over ${count(records)} records, ${seqScans} reading the table whole; ` +
      `the slowest (${shapeOf(slowest.label)[0]}) p99 ${millis(slowest.polyshop.p99Ms)}`,
    reading:
      'Every "complex" delivery-log query — by status and day, by type, by user, a channel entry matched inside ' +
      "the `channels` array, per-channel counts unwound and grouped — is one SQL statement over polyshop's JSONB " +
      'schema, and ' +
      (seqScans === 0 ? 'each runs on an index. ' : 'not all of them find an index. ') +
      'Those on indexed fields answer in milliseconds; those reaching inside the array over a time window cost what ' +
      'reading that window costs, and a GIN index on the array is there when a query needs it. "Complex queries ' +
      'impossible" is refuted for these shapes; "unmaintainable" is not a thing a benchmark measures.',
  };
}

export const notificationQueries: Claim = {
  id: 'notification-queries',
  heading: 'Notifications on PostgreSQL: "delivery_log JSON — complex queries impossible"',
  quote: [
    '```sql',
    'CREATE TABLE notifications (',
    '    ...',
    '    delivery_log JSON     -- Complex queries impossible',
    ');',
    '```',
    '',
    "and its migration trigger: `notificationService: 'Complex JSON queries becoming unmaintainable'`.",
  ].join('\n'),
  scenarios: [SCENARIO],
  method:
    'Delivery-log records generated in code (1–3 channels each, 85 % sent, 8 % failed, 4 % skipped, 3 % ' +
    'suppressed, created over 30 days), written in bulk and read back through the repository equal to what was ' +
    "generated. Each query's answer is checked against the generator before it is timed (one client, interleaved " +
    "rounds against one record read by key, p99 ratio). `status+day`, `type+6h`, `user` are the repository's own " +
    '`list`; `channel+day` (failed SMS of the last day, matched inside the `channels` array) and `counts+day` (per ' +
    'channel and status over the last day) are written against its schema. On PostgreSQL, `EXPLAIN` of each, then ' +
    'a GIN index on the array added and `channel+day` again. At full scale PostgreSQL holds 1,000,000 records and ' +
    'the MongoDB stand-in 100,000 (it keeps every document on its JVM heap).',
  build(results) {
    const rows: (string | number)[][] = [];
    const points: { store: string; query: string; p99: number }[] = [];
    for (const target of TARGETS) {
      const result = results.get(SCENARIO, target);
      if (!result) continue;
      for (const c of result.comparisons) {
        const [shape, plan] = shapeOf(c.label);
        rows.push([
          results.storeName(target),
          count(result.checks.records ?? 0),
          shape,
          `${count(result.checks[`rows.${shape}`] ?? 0)}`,
          `${millis(c.polyshop.p50Ms)} / ${millis(c.polyshop.p99Ms)}`,
          `${millis(c.anchor.p50Ms)} / ${millis(c.anchor.p99Ms)}`,
          ratio(c.ratio),
          plan,
        ]);
        points.push({
          store: results.storeName(target),
          query: shape,
          p99: Math.max(c.polyshop.p99Ms, 0.01),
        });
      }
    }
    return {
      body: rows.length
        ? markdownTable(
            [
              'store',
              'records',
              'query',
              'rows',
              'p50 / p99',
              'key read p50 / p99',
              'p99 ratio',
              'plan (EXPLAIN)',
            ],
            rows,
          )
        : notMeasured('The delivery-log queries'),
      verdict: verdictOf(results),
      charts: points.length
        ? [
            {
              name: 'notification-queries',
              alt: 'p99 of each delivery-log query per store, log scale',
              spec: {
                title: 'Delivery-log queries: p99 per store (log scale)',
                data: { values: points },
                mark: { type: 'point', filled: true, size: 90 },
                encoding: {
                  y: { field: 'query', type: 'nominal', title: null, sort: null },
                  x: { field: 'p99', type: 'quantitative', title: 'p99 ms', scale: { type: 'log' } },
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
