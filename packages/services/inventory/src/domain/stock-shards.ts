import { requireInteger } from './limits.ts';
import type { StockCounts } from './stock-level.ts';

/**
 * Sharded counters for hot SKUs: a SKU's stock split over `shards` counters, so writes to one SKU spread
 * over several items of the store instead of queuing on one (DynamoDB takes about 1,000 writes a second
 * per item). The SKU's counts are the sums of its shards' counts. These are the pure rules: how many
 * shards, how units are spread, which shards a write takes from.
 */

/**
 * Most shards of one SKU. A change of shard count rewrites every old and new shard in one DynamoDB
 * transaction (100 actions), and 32 shards give a SKU 32 times one item's write rate.
 */
export const MAX_SHARDS = 32;

/** A shard count: 1 (not sharded) to `MAX_SHARDS`, else a 400 naming the field. */
export function requireShards(value: unknown, field = 'shards'): number {
  return requireInteger(value, field, 'INVENTORY.INVALID_SHARDS', 1, MAX_SHARDS);
}

/** The counts of one shard; shard 0 is the SKU's own stock record. */
export interface ShardCounts extends StockCounts {
  shard: number;
}

/** How a SKU's stock is spread: `shards` counters, whose counts add up to the SKU's. */
export interface StockShards {
  sku: string;
  shards: number;
  /** One entry per shard, in shard order. */
  layout: ShardCounts[];
}

/** `total` in `parts` near-equal whole parts, the larger ones first (they differ by at most 1). */
export function evenSplit(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * `total` spread over shards as evenly as possible, moving as few units as it can: the shards holding
 * most now get the larger parts. `current` is each shard's amount now (same length as the result).
 */
export function evenSpread(total: number, current: readonly number[]): number[] {
  const parts = evenSplit(total, current.length);
  const byHolding = current.map((_, i) => i).sort((a, b) => current[b]! - current[a]! || a - b);
  const spread = new Array<number>(current.length).fill(0);
  byHolding.forEach((shard, rank) => (spread[shard] = parts[rank]!));
  return spread;
}

/** Units one shard gives to (or takes from) a write. */
export interface ShardTake {
  shard: number;
  units: number;
}

/**
 * Which shards cover `units` out of what each can give (`capacity`, by shard): the first shard in
 * `preference` that covers all of them alone, else several shards, the fullest first. `undefined` when
 * the shards together hold fewer than `units`.
 */
export function allocate(
  units: number,
  capacity: readonly number[],
  preference: readonly number[],
): ShardTake[] | undefined {
  const alone = preference.find((shard) => capacity[shard]! >= units);
  if (alone !== undefined) return [{ shard: alone, units }];
  const takes: ShardTake[] = [];
  let left = units;
  const fullest = capacity.map((_, i) => i).sort((a, b) => capacity[b]! - capacity[a]! || a - b);
  for (const shard of fullest) {
    if (left === 0) break;
    const take = Math.min(left, capacity[shard]!);
    if (take > 0) takes.push({ shard, units: take });
    left -= take;
  }
  return left === 0 ? takes.sort((a, b) => a.shard - b.shard) : undefined;
}

/** The shards `0 … count-1` in a random order (where a reservation tries first: spreads the writes). */
export function shuffledShards(count: number, random: () => number = Math.random): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** The shards in order of available units, fewest first (where released units go: refills the driest). */
export function driestFirst(available: readonly number[]): number[] {
  return available.map((_, i) => i).sort((a, b) => available[a]! - available[b]! || a - b);
}

/**
 * The layout of a SKU moved from `current` shards to `shards` shards with `available` units available in
 * all (default: as now, so only the spread changes): the reserved units of removed shards fold into
 * shard 0 (a reservation does not know its shard: any shard holding reserved units can give them back),
 * and the available units are spread evenly over the new shards.
 */
export function reshard(
  current: readonly StockCounts[],
  shards: number,
  available: number = current.reduce((sum, counts) => sum + counts.available, 0),
): StockCounts[] {
  const reserved = Array.from({ length: shards }, (_, i) => current[i]?.reserved ?? 0);
  for (let i = shards; i < current.length; i++) reserved[0]! += current[i]!.reserved;
  const spread = evenSpread(
    available,
    Array.from({ length: shards }, (_, i) => current[i]?.available ?? 0),
  );
  return reserved.map((held, i) => ({ quantity: held + spread[i]!, reserved: held, available: spread[i]! }));
}
