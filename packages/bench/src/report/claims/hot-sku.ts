import { concurrencyOf, notMeasured, type Claim, type RunResults, type Verdict } from '../claim.ts';
import { markdownTable, millis, perSecond, ratio } from '../markdown.ts';

const POSTGRES = 'hot-sku';
const DYNAMO = 'hot-sku-dynamodb';

function verdictOf(results: RunResults): Verdict {
  const runs = results.comparisons(POSTGRES, 'postgres', 'same conditional UPDATE');
  const best = runs.length
    ? runs.reduce((a, b) => (b.polyshop.perSecond > a.polyshop.perSecond ? b : a))
    : undefined;
  const rawBest = runs.length ? Math.max(...runs.map((c) => c.anchor.perSecond)) : 0;
  return {
    word: 'not decided',
    decidedBy: best
      ? `DynamoDB here is moto (a stand-in): no verdict; on PostgreSQL one hot SKU took ${perSecond(best.polyshop.perSecond)} reservations through polyshop at c=${concurrencyOf(best)} and ${perSecond(rawBest)} raw conditional UPDATEs, durable, on 2 cores`
      : 'DynamoDB here is moto (a stand-in): no verdict',
    reading:
      'What DynamoDB documents instead: a partition serves up to 1,000 write units a second (a write of an item up ' +
      'to 1 KB is one unit; a transactional write two), so one item — one hot SKU — is capped near 1,000 ' +
      "decrements a second whatever the table's capacity, and writes beyond it are throttled. polyshop's sharded " +
      "counters (`PUT /inventory/{sku}/sharding`) split a hot SKU's stock over N items, each decremented with a " +
      'conditional `ADD`, so its ceiling is about N × 1,000 writes a second; reads sum the shards, and a shard that ' +
      'runs dry is refilled from the others (rebalancing). "Thousands of inventory updates per second" is ' +
      'therefore true of DynamoDB for many SKUs, and for one SKU only when it is sharded. ' +
      (best
        ? `PostgreSQL did up to ${perSecond(rawBest)} durable updates of one row a second here (the raw anchor above), on 2 shared cores.`
        : ''),
  };
}

export const hotSkuThroughput: Claim = {
  id: 'hot-sku-throughput',
  heading: 'Inventory on DynamoDB: "thousands of inventory updates per second"',
  quote: '**High Throughput** - Thousands of inventory updates per second',
  scenarios: [POSTGRES, DYNAMO],
  method:
    '1-unit reservations of one SKU through `POST /inventory/reservations` over HTTP (admin token, clients in a ' +
    "worker thread). PostgreSQL and PGlite: beside the adapter's own conditional `UPDATE` on one row run raw " +
    "(pgbench; a loop in the process on PGlite) and, on PostgreSQL, the seed's `SELECT … FOR UPDATE` + `UPDATE`. " +
    'DynamoDB (moto): the SKU on 1 counter item and sharded over 8, beside a raw conditional `UpdateItem` `ADD` ' +
    'on as many items. A sell-out on each must not oversell.',
  build(results) {
    const rows: (string | number)[][] = [];
    for (const [scenario, target] of [
      [POSTGRES, 'postgres'],
      [POSTGRES, 'pglite'],
      [DYNAMO, 'dynamodb'],
    ] as const) {
      for (const c of results.comparisons(scenario, target)) {
        rows.push([
          results.storeName(target),
          c.label.replace(`${target} `, ''),
          `${perSecond(c.polyshop.perSecond)}, p99 ${millis(c.polyshop.p99Ms)}`,
          c.anchorName,
          `${perSecond(c.anchor.perSecond)}`,
          ratio(c.ratio),
        ]);
      }
    }
    const oversold = [POSTGRES, DYNAMO]
      .flatMap((scenario) => results.all.filter((r) => r.scenario === scenario))
      .map((r) => `${results.storeName(r.target)} ${r.checks.oversold ?? 0}`);
    const points = results.comparisons(POSTGRES, 'postgres', 'same conditional UPDATE').flatMap((c) => [
      { c: concurrencyOf(c), who: 'polyshop over HTTP', rate: c.polyshop.perSecond },
      { c: concurrencyOf(c), who: 'raw conditional UPDATE (pgbench)', rate: c.anchor.perSecond },
    ]);
    const seed = results.comparisons(POSTGRES, 'postgres', 'FOR UPDATE').map((c) => ({
      c: concurrencyOf(c),
      who: "the seed's FOR UPDATE (pgbench)",
      rate: c.anchor.perSecond,
    }));
    return {
      body: [
        rows.length
          ? markdownTable(['store', 'run', 'polyshop', 'anchor', 'anchor rate', 'ratio'], rows)
          : notMeasured('The hot SKU'),
        '',
        `Oversold in the sell-outs: ${oversold.join(', ') || 'not run'}.`,
      ].join('\n'),
      verdict: verdictOf(results),
      charts: points.length
        ? [
            {
              name: 'hot-sku',
              alt: 'Reservations a second on one hot SKU on PostgreSQL by concurrency: polyshop, the raw UPDATE, the seed pattern',
              spec: {
                title: 'One hot SKU on PostgreSQL: updates a second',
                data: { values: [...points, ...seed] },
                mark: { type: 'line', point: true },
                encoding: {
                  x: { field: 'c', type: 'ordinal', title: 'concurrent clients', axis: { labelAngle: 0 } },
                  y: { field: 'rate', type: 'quantitative', title: 'per second' },
                  color: { field: 'who', type: 'nominal', title: null },
                },
              },
            },
          ]
        : [],
    };
  },
};
