import { AppError } from '@polyshop/kernel';
import { skuNotFound } from '../domain/inventory-errors.ts';
import { requireSku } from '../domain/limits.ts';
import { requireShards, type StockShards } from '../domain/stock-shards.ts';
import type { StockLevel } from '../domain/stock-level.ts';
import { writeContext, type InventoryDeps } from './inventory-deps.ts';

export interface ShardStockCommand {
  sku: string;
  /** 1 (one counter) to `MAX_SHARDS`. */
  shards: number;
}

/**
 * How a SKU's stock is spread over counters; 404 `INVENTORY.SKU_NOT_FOUND` when unknown. On a store
 * without sharded counters every SKU is one counter.
 */
export async function getStockShards(deps: InventoryDeps, sku: string): Promise<StockShards> {
  const wanted = requireSku(sku);
  if (!deps.sharding) return oneCounter(await found(deps, wanted));
  const shards = await deps.sharding.findShards(wanted);
  if (!shards) throw skuNotFound(wanted);
  return shards;
}

/**
 * Spreads a SKU's stock over `shards` counters (an operator marking it hot, or `1` to fold it back),
 * its counts unchanged; the same count again evens the spread. 404 for an unknown SKU. A store without
 * sharded counters (PostgreSQL, which coalesces writes to a hot row instead) takes `1` and refuses more
 * with 409 `INVENTORY.SHARDING_UNSUPPORTED`.
 */
export async function shardStock(deps: InventoryDeps, command: ShardStockCommand): Promise<StockShards> {
  const sku = requireSku(command.sku);
  const shards = requireShards(command.shards);
  if (deps.sharding) return deps.sharding.setShards({ sku, shards }, writeContext(deps));
  const level = await found(deps, sku);
  if (shards > 1) {
    throw AppError.conflict(
      'INVENTORY.SHARDING_UNSUPPORTED',
      "This inventory store keeps each SKU in one counter (it coalesces a hot SKU's writes instead); only 1 shard is possible.",
      { field: 'shards' },
    );
  }
  return oneCounter(level);
}

async function found(deps: InventoryDeps, sku: string): Promise<StockLevel> {
  const level = await deps.repository.findStock(sku);
  if (!level) throw skuNotFound(sku);
  return level;
}

function oneCounter(level: StockLevel): StockShards {
  const { sku, quantity, reserved, available } = level;
  return { sku, shards: 1, layout: [{ shard: 0, quantity, reserved, available }] };
}
