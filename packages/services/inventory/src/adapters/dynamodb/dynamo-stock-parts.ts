import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AppError } from '@polyshop/kernel';
import { MAX_STOCK_QUANTITY } from '../../domain/limits.ts';
import {
  allocate,
  driestFirst,
  reshard,
  shuffledShards,
  type ShardTake,
  type StockShards,
} from '../../domain/stock-shards.ts';
import { countsOf } from '../../domain/stock-level.ts';
import { batchGetItems } from './dynamo-batch-get.ts';
import { stockKey, type ItemKey, type StockItem } from './dynamo-inventory-items.ts';
import { backoff } from './dynamo-retry.ts';
import type { StockTarget, TransactAction } from './dynamo-stock-writer.ts';

/**
 * The counters of a sharded SKU. Its stock item (`PRODUCT#<sku>`/`INVENTORY`) is shard 0 and carries
 * `shards`; shards 1 … shards-1 are items of their own partitions (`PRODUCT#<sku>#SHARD#<k>`/`SHARD`),
 * so each has DynamoDB's per-item write rate to itself. Every count of the SKU is the sum over its parts,
 * and every write to a part bumps that part's `version`, so the SKU's version (the sum) still rises with
 * every change.
 *
 * Writes to a sharded SKU come in two kinds:
 * - a change of reserved units (reserve, release, expiry, commit) goes to one shard (several only when no
 *   single shard can take it) as relative `ADD`s guarded by that shard's own counts (`available >= n` to
 *   take, `reserved >= n` to give back), not pinned to any version: writers on different shards never
 *   meet, and a shard gone short cancels the write, which is planned again on fresh counts. Its
 *   `StockChange` (and events) carry the counts read just before plus its own change: other shards' writes
 *   in between are not in them, so the writer restates the SKU afterwards (`StockRestatements`). Reads
 *   (`findStock`) are exact.
 * - a change of on-hand quantity (set, adjust, return) is pinned to every part's version and spreads the
 *   new available units evenly over the shards, so its counts, version and history entry are exact.
 */
export const SHARD_SK = 'SHARD';

export function shardKey(sku: string, shard: number): ItemKey {
  return shard === 0 ? stockKey(sku) : { PK: `PRODUCT#${sku}#SHARD#${shard}`, SK: SHARD_SK };
}

/** One counter of a SKU: its stock item (shard 0) or a shard item (which has the same count fields). */
export interface StockPart extends Omit<StockItem, 'shards'> {
  shard: number;
}

export const shardCount = (stock: StockItem): number => stock.shards ?? 1;

/** The SKU's stock as the sum of its parts (the stock item's own fields, `shards` included, kept). */
export function sumParts(stock: StockItem, parts: readonly StockPart[]): StockItem {
  let outboxKey = stock.outboxKey;
  for (const part of parts)
    if (part.outboxKey && (!outboxKey || part.outboxKey > outboxKey)) outboxKey = part.outboxKey;
  const sum = (field: 'quantity' | 'reserved' | 'available' | 'version') =>
    parts.reduce((total, part) => total + part[field], 0);
  return {
    ...stock,
    quantity: sum('quantity'),
    reserved: sum('reserved'),
    available: sum('available'),
    version: sum('version'),
    updatedAt: parts.reduce(
      (latest, part) => (part.updatedAt > latest ? part.updatedAt : latest),
      stock.updatedAt,
    ),
    ...(outboxKey ? { outboxKey } : {}),
  };
}

/** The layout a port answers with. */
export function toStockShards(sku: string, parts: readonly StockPart[]): StockShards {
  return {
    sku,
    shards: parts.length,
    layout: parts.map((part) => ({ shard: part.shard, ...countsOf(part.quantity, part.reserved) })),
  };
}

/**
 * How the parts of a sharded SKU are read. `latest`: one `BatchGetItem` after the stock items, each part
 * current but not all at one instant (fine for planning a write whose conditions check what it relies
 * on; a sum may catch a move between two shards half-way). `snapshot`: `TransactGetItems`, serializable
 * with the transactions that write the parts, so the sums are exact; retried while transactions are
 * writing them (a refusal's last look must be exact). `preferred`: a snapshot if one comes within a few
 * tries, else `latest` (reads of a SKU so hot that its parts are always being written: DynamoDB refuses a
 * transactional read of an item a transaction is writing).
 */
export type PartsRead = 'latest' | 'snapshot' | 'preferred';

const SNAPSHOT_ATTEMPTS = { snapshot: 20, preferred: 3 };

/**
 * The parts of each sharded SKU among `stock` (stock items as read), by SKU, read as `how` says; a
 * snapshot also replaces the stock item by the one read with the parts. `early`: shard items read with
 * the stock items (when the shard count was known beforehand): `latest` reads only the shards missing.
 */
export async function readParts(
  documents: DynamoDBDocumentClient,
  tableName: string,
  stock: readonly StockItem[],
  how: PartsRead,
  early: readonly StockPart[] = [],
): Promise<Map<string, { stock: StockItem; parts: StockPart[] }>> {
  let latest = stock.filter((item) => shardCount(item) > 1);
  const result = new Map<string, { stock: StockItem; parts: StockPart[] }>();
  if (how !== 'latest') {
    const read = await Promise.all(
      latest.map((item) => snapshotParts(documents, tableName, item, SNAPSHOT_ATTEMPTS[how])),
    );
    latest = latest.filter((item, i) => {
      const entry = read[i];
      if (entry === 'contended' && how === 'snapshot') {
        throw AppError.unavailable(
          'INVENTORY.CONTENDED',
          'The stock kept changing under this read; retry it.',
          {
            details: { sku: item.sku },
          },
        );
      }
      if (entry === 'contended') return true;
      if (entry) result.set(item.sku, entry);
      return false;
    });
  }
  const inRange = (part: StockPart) => {
    const item = latest.find((candidate) => candidate.sku === part.sku);
    return item !== undefined && part.shard < shardCount(item);
  };
  const known = early.filter(inRange);
  const has = new Set(known.map((part) => `${part.sku}#${part.shard}`));
  const keys = latest.flatMap((item) =>
    Array.from({ length: shardCount(item) - 1 }, (_, i) => i + 1)
      .filter((shard) => !has.has(`${item.sku}#${shard}`))
      .map((shard) => shardKey(item.sku, shard)),
  );
  const shards = keys.length
    ? [...known, ...(await batchGetItems<StockPart>(documents, tableName, keys, { consistent: true }))]
    : known;
  for (const item of latest) {
    const own = shards.filter((part) => part.sku === item.sku).sort((a, b) => a.shard - b.shard);
    result.set(item.sku, { stock: item, parts: [{ ...item, shard: 0 }, ...own] });
  }
  return result;
}

/**
 * One SKU's parts in one `TransactGetItems`, again if its shard count changed since `stock` was read;
 * `contended` when transactions kept writing them for `attempts` tries, `undefined` when the SKU is gone.
 */
async function snapshotParts(
  documents: DynamoDBDocumentClient,
  tableName: string,
  stock: StockItem,
  attempts: number,
): Promise<{ stock: StockItem; parts: StockPart[] } | 'contended' | undefined> {
  let shards = shardCount(stock);
  for (let attempt = 1; ; attempt++) {
    try {
      const { Responses = [] } = await documents.send(
        new TransactGetCommand({
          TransactItems: Array.from({ length: shards }, (_, shard) => ({
            Get: { TableName: tableName, Key: shardKey(stock.sku, shard) },
          })),
        }),
      );
      const [head, ...rest] = Responses.map((response) => response.Item) as (StockPart | undefined)[];
      if (!head) return undefined;
      const current = head as unknown as StockItem;
      if (shardCount(current) === shards) {
        const parts = [
          { ...head, shard: 0 },
          ...rest.filter((part): part is StockPart => part !== undefined),
        ];
        return { stock: current, parts };
      }
      shards = shardCount(current);
    } catch (error) {
      // a transaction was writing one of the parts: look again in a moment
      if (!(error instanceof TransactionCanceledException)) throw error;
      if (attempt >= attempts) return 'contended';
      await backoff(attempt);
    }
  }
}

/** A change of one part's counts. */
export interface PartChange {
  quantity: number;
  reserved: number;
}

export interface PartUpdateOptions {
  now: string;
  /** The version the write was planned on; without one, the update only needs the item to exist. */
  pin?: number | undefined;
  outboxKey?: string | undefined;
  /** How much the version rises (default 1). */
  bump?: number;
  /** Shard 0 only: the SKU's new shard count (1 removes the attribute). */
  shards?: number | undefined;
}

/**
 * The update of one counter by relative `ADD`s (its version bumped), guarded by the invariants the store
 * checks by itself (available ≥ 0, reserved ≥ 0, quantity ≤ the maximum after the change) and, when
 * `pin` is given, by the version it was planned on; without one, by the item existing.
 */
export function partUpdate(
  tableName: string,
  key: ItemKey,
  change: PartChange,
  options: PartUpdateOptions,
): TransactAction {
  const { quantity: dq, reserved: dr } = change;
  const da = dq - dr;
  const { outboxKey, shards } = options;
  const pinned = options.pin !== undefined;
  const sets = ['#u = :now', ...(outboxKey ? ['#o = :o'] : []), ...(shards && shards > 1 ? ['#n = :n'] : [])];
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: `ADD #q :dq, #r :dr, #a :da, #v :one SET ${sets.join(', ')}${shards === 1 ? ' REMOVE #n' : ''}`,
      ConditionExpression: `${pinned ? '#v = :v' : 'attribute_exists(PK)'} AND #a >= :minA AND #r >= :minR AND #q >= :minQ AND #q <= :maxQ`,
      ExpressionAttributeNames: {
        '#q': 'quantity',
        '#r': 'reserved',
        '#a': 'available',
        '#v': 'version',
        '#u': 'updatedAt',
        ...(outboxKey ? { '#o': 'outboxKey' } : {}),
        ...(shards ? { '#n': 'shards' } : {}),
      },
      ExpressionAttributeValues: {
        ':dq': dq,
        ':dr': dr,
        ':da': da,
        ':one': options.bump ?? 1,
        ':now': options.now,
        ...(pinned ? { ':v': options.pin } : {}),
        ':minA': -da,
        ':minR': -dr,
        ':minQ': -dq,
        ':maxQ': MAX_STOCK_QUANTITY - dq,
        ...(outboxKey ? { ':o': outboxKey } : {}),
        ...(shards && shards > 1 ? { ':n': shards } : {}),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** A check that a part is still at the version read (it is pinned by a write that leaves it as it is). */
export function partPin(tableName: string, part: StockPart): TransactAction {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: shardKey(part.sku, part.shard),
      ConditionExpression: '#v = :v',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: { ':v': part.version },
    },
  };
}

/**
 * The actions taking a sharded SKU from its `parts` (as read) to `target` (the SKU's counts after the
 * write), how much they raise its version (one per part written), whether a reservation ran a shard
 * dry (or needed several) while the SKU still has a unit for every shard (time to rebalance), and whether
 * the counts planned are exact (pinned) or may miss other shards' writes. See the two kinds of write above.
 */
export function shardedStockActions(
  tableName: string,
  target: StockTarget,
  parts: readonly StockPart[],
  options: { now: string; outboxKey?: string | undefined; random?: () => number },
): { actions: TransactAction[]; bumps: number; dry: boolean; exact: boolean } {
  const total = (field: 'quantity' | 'reserved' | 'available') =>
    parts.reduce((sum, part) => sum + part[field], 0);
  const dq = target.quantity - total('quantity');
  const dr = target.reserved - total('reserved');
  const write = { now: options.now, outboxKey: options.outboxKey };
  if (dr === 0) {
    // on-hand quantity: every part pinned, the new available units spread evenly
    const layout = reshard(parts, parts.length, total('available') + dq);
    const actions = parts.map((part, i): TransactAction => {
      const change = { quantity: layout[i]!.quantity - part.quantity, reserved: 0 };
      return change.quantity === 0
        ? partPin(tableName, part)
        : partUpdate(tableName, shardKey(part.sku, part.shard), change, { ...write, pin: part.version });
    });
    return { actions, bumps: actions.filter((action) => action.Update).length, dry: false, exact: true };
  }
  let takes: ShardTake[] | undefined;
  let move: (units: number) => PartChange;
  if (dq === 0 && dr > 0) {
    // reserve: from a shard chosen at random among those that can cover it alone
    takes = allocate(
      dr,
      parts.map((part) => part.available),
      shuffledShards(parts.length, options.random),
    );
    move = (units) => ({ quantity: 0, reserved: units });
  } else if (dr < 0 && (dq === 0 || dq === dr)) {
    // release or expiry (dq = 0), commit (dq = dr): back to the driest shard holding enough reserved units
    takes = allocate(
      -dr,
      parts.map((part) => part.reserved),
      driestFirst(parts.map((part) => part.available)),
    );
    move = (units) => ({ quantity: dq === 0 ? 0 : -units, reserved: -units });
  } else {
    throw new AppError(
      'internal',
      'INVENTORY.INVARIANT_BROKEN',
      `No sharded write moves ${dq} on hand and ${dr} reserved.`,
    );
  }
  if (!takes) {
    throw new AppError(
      'internal',
      'INVENTORY.INVARIANT_BROKEN',
      `The shards of ${target.sku} cannot move ${dr} reserved units (planned on their own sums).`,
    );
  }
  // `takes` index `parts`, which may miss a shard read while the shard count changed
  const actions = takes.map(({ shard, units }) =>
    partUpdate(tableName, shardKey(target.sku, parts[shard]!.shard), move(units), write),
  );
  const dry =
    dr > 0 &&
    total('available') - dr >= parts.length &&
    (takes.length > 1 || parts[takes[0]!.shard]!.available === takes[0]!.units);
  return { actions, bumps: actions.length, dry, exact: false };
}
