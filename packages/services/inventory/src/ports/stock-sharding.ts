import type { StockShards } from '../domain/stock-shards.ts';
import type { WriteContext } from './inventory-repository.ts';

/** A change of a SKU's shard count, by an operator. */
export interface ShardingInput {
  sku: string;
  /** 1 (fold every shard back into one counter) to `MAX_SHARDS`. */
  shards: number;
}

/**
 * Sharded counters for hot SKUs, on a store whose items have a write-rate ceiling (DynamoDB). A sharded
 * SKU's stock lives in `shards` counters; the repository's reads return their sums, reservations take
 * from one shard (several when no single shard covers them), releases, commits and expiries give back to
 * one, and sets and adjustments spread the new quantity over all of them. A store without the ceiling
 * (PostgreSQL coalesces writes to a hot row instead) has no such port.
 *
 * None of these methods changes a SKU's counts (quantity, reserved, available), so none records events.
 */
export interface StockSharding {
  /** How the SKU's stock is spread now; `undefined` when inventory does not know the SKU. */
  findShards(sku: string): Promise<StockShards | undefined>;

  /**
   * Sets the SKU's shard count and spreads its available units evenly over the shards, atomically,
   * its counts unchanged; removed shards fold into the first. Setting the count it has evens the spread
   * (idempotent). Throws not_found `INVENTORY.SKU_NOT_FOUND` for an unknown SKU.
   */
  setShards(input: ShardingInput, context: WriteContext): Promise<StockShards>;

  /**
   * Moves available units between the SKU's shards until they differ by at most one, atomically (the
   * counts never change); nothing when already even or not sharded. `undefined` for an unknown SKU.
   */
  rebalance(sku: string, context: WriteContext): Promise<StockShards | undefined>;
}
