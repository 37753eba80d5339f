import { randomBytes } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { openDynamo, type DynamoConnection } from '@polyshop/stores';
import { startBenchPlatform, type BenchPlatform } from '../http-session.ts';
import { compareInterleaved, runLoad, type Comparison } from '../measure.ts';
import type { BenchTarget, Scenario, ScenarioResult, Scale } from '../scenario.ts';
import { reserveOne, sellOut } from './reservation-calls.ts';

/** The hot SKU's stock: more than any run reserves. */
const STOCK = 1_000_000_000;
/** Unsharded (one item, DynamoDB's ~1,000 writes a second) against 8 counters. */
const SHARDS = [1, 8] as const;

const SETTINGS = {
  small: { concurrency: [1, 16], durationMs: 500, rounds: 3, sellOut: 40 },
  full: { concurrency: [1, 16, 64], durationMs: 5000, rounds: 5, sellOut: 400 },
} as const;

/** A fresh SKU with `quantity` units spread over `shards` counters, as an operator would make it. */
async function hotSku(bench: BenchPlatform, quantity: number, shards: number): Promise<string> {
  const sku = `BENCH-HOT-D${shards}-${randomBytes(4).toString('hex')}`;
  const set = await bench.call('PUT', `/inventory/${sku}`, { quantity, reason: 'benchmark' });
  if (set.status !== 201) throw new Error(`setting stock of ${sku} answered ${set.status}`);
  const shard = await bench.call('PUT', `/inventory/${sku}/sharding`, { shards });
  if (shard.status !== 200) throw new Error(`sharding ${sku} answered ${shard.status}`);
  return sku;
}

/**
 * The anchor: the conditional write a reservation comes down to, alone: `UpdateItem` with `ADD` on one
 * of `items` counter items (picked at random, like a shard), guarded by `available >= 1`. No
 * transaction, no reservation record, no outbox, no HTTP.
 */
async function rawCounters(connection: DynamoConnection, tableName: string, items: number) {
  const key = (i: number) => ({ PK: `BENCH#ANCHOR#${items}#${i}`, SK: 'ANCHOR' });
  for (let i = 0; i < items; i++) {
    await connection.documents.send(
      new PutCommand({ TableName: tableName, Item: { ...key(i), available: STOCK, reserved: 0 } }),
    );
  }
  return async (): Promise<boolean> => {
    await connection.documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key(Math.floor(Math.random() * items)),
        UpdateExpression: 'ADD #a :minus, #r :one',
        ConditionExpression: '#a >= :one',
        ExpressionAttributeNames: { '#a': 'available', '#r': 'reserved' },
        ExpressionAttributeValues: { ':one': 1, ':minus': -1 },
      }),
    );
    return true;
  };
}

/**
 * `hot-sku-dynamodb`: 1-unit reservations on one hot SKU over HTTP with inventory on DynamoDB, the SKU
 * on 1 counter and on 8 (sharded counters), each beside the raw conditional `UpdateItem` `ADD` on as
 * many items; then sell-outs on both that must not oversell.
 *
 * What the figures show on moto (the test server): what the sharded path costs per reservation beside
 * the unsharded one (the shards in its read, the restatement read after it) and beside the bare
 * conditional write. What they cannot show: the gain, since moto has no per-item write limit, which is
 * what sharding removes on DynamoDB itself, where one item takes about 1,000 writes a second and 8
 * shards about 8 times as many (moto also copies a table on each transaction, so its figures fall as
 * the table grows; see docs/performance-history.md).
 */
async function runHotSkuDynamo(target: BenchTarget, scale: Scale): Promise<ScenarioResult> {
  const endpoint = target.serverUrl;
  if (!endpoint) throw new Error('hot-sku-dynamodb needs a DynamoDB endpoint (scripts/servers up dynamodb)');
  const settings = SETTINGS[scale];
  const tableName = `bench-${randomBytes(4).toString('hex')}-inventory`;
  const bench = await startBenchPlatform({
    services: ['users', 'inventory'],
    env: { INVENTORY_STORE: 'dynamodb', DYNAMODB_ENDPOINT: endpoint, INVENTORY_DYNAMODB_TABLE: tableName },
  });
  const connection = openDynamo({ endpoint });
  const comparisons: Comparison[] = [];
  const checks: Record<string, number> = {};
  try {
    let round = 0;
    for (const shards of SHARDS) {
      const sku = await hotSku(bench, STOCK, shards);
      const anchor = await rawCounters(connection, tableName, shards);
      for (const concurrency of settings.concurrency) {
        comparisons.push(
          await compareInterleaved({
            scenario: 'hot-sku-dynamodb',
            label: `shards=${shards} c=${concurrency}`,
            anchorName: `raw conditional UpdateItem ADD on ${shards} item${shards > 1 ? 's' : ''}`,
            rounds: settings.rounds,
            polyshop: () => {
              const prefix = `hot-${round++}-${randomBytes(3).toString('hex')}`;
              return runLoad({
                concurrency,
                durationMs: settings.durationMs,
                operation: (worker, sequence) => reserveOne(bench, sku, `${prefix}-${worker}-${sequence}`),
              });
            },
            anchor: () => runLoad({ concurrency, durationMs: settings.durationMs, operation: anchor }),
          }),
        );
      }
      const { oversold, accepted } = await sellOut(
        bench,
        await hotSku(bench, settings.sellOut, shards),
        settings.sellOut,
      );
      checks.oversold = (checks.oversold ?? 0) + oversold;
      checks[`sellOutAccepted(shards=${shards})`] = accepted;
    }
    checks.sellOutUnits = settings.sellOut;
    return { scenario: 'hot-sku-dynamodb', target: target.name, comparisons, checks };
  } finally {
    await bench.close();
    await connection.client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    connection.close();
  }
}

export const hotSkuDynamo: Scenario = {
  name: 'hot-sku-dynamodb',
  summary:
    '1-unit reservations on one hot SKU over HTTP, inventory on DynamoDB, 1 vs 8 sharded counters, vs a raw conditional UpdateItem ADD',
  targets: ['dynamodb'],
  run: runHotSkuDynamo,
};
