import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AppError } from '@polyshop/kernel';
import { skuNotFound } from '../../domain/inventory-errors.ts';
import { evenSpread, reshard, type StockShards } from '../../domain/stock-shards.ts';
import type { WriteContext } from '../../ports/inventory-repository.ts';
import type { ShardingInput, StockSharding } from '../../ports/stock-sharding.ts';
import { backoff } from './dynamo-retry.ts';
import {
  partPin,
  partUpdate,
  shardKey,
  toStockShards,
  type PartsRead,
  type StockPart,
} from './dynamo-stock-parts.ts';
import { retryableCancellation, type DynamoStockWriter, type TransactAction } from './dynamo-stock-writer.ts';

export interface DynamoStockShardingOptions {
  documents: DynamoDBDocumentClient;
  tableName: string;
  writer: DynamoStockWriter;
  /** Attempts per change when the parts moved under it. Default 50. */
  maxAttempts?: number;
}

/**
 * `StockSharding` on DynamoDB (parts as in `dynamo-stock-parts.ts`). A change of shard count is one
 * transaction pinned to every part's version: kept parts updated, new ones put, removed ones deleted,
 * the SKU's counts unchanged. A rebalance moves available units between parts with unpinned relative
 * `ADD`s in one transaction (each part guarded by its own counts, the moves summing to 0), so it runs
 * beside reservations rather than against them.
 */
export class DynamoStockSharding implements StockSharding {
  readonly #options: DynamoStockShardingOptions;

  constructor(options: DynamoStockShardingOptions) {
    this.#options = options;
  }

  async findShards(sku: string): Promise<StockShards | undefined> {
    const parts = await this.#parts(sku, 'preferred');
    return parts && toStockShards(sku, parts);
  }

  async setShards(input: ShardingInput, context: WriteContext): Promise<StockShards> {
    const now = context.now.toISOString();
    const changed = await this.#change(input.sku, 'snapshot', undefined, (parts) => {
      const layout = reshard(parts, input.shards);
      const unchanged =
        parts.length === input.shards && layout.every((counts, i) => counts.quantity === parts[i]!.quantity);
      if (unchanged) return undefined;
      // the version of the SKU is the sum over its parts: shard 0 takes over the removed parts' versions
      const removed = parts.slice(input.shards);
      const actions: TransactAction[] = layout.map((counts, shard) => {
        const part = parts[shard];
        if (!part) {
          const item: StockPart = {
            ...shardKey(input.sku, shard),
            sku: input.sku,
            shard,
            ...counts,
            version: 0,
            updatedAt: now,
          };
          const { tableName } = this.#options;
          return {
            Put: { TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' },
          };
        }
        const change = {
          quantity: counts.quantity - part.quantity,
          reserved: counts.reserved - part.reserved,
        };
        if (shard > 0 && change.quantity === 0 && change.reserved === 0)
          return partPin(this.#options.tableName, part);
        return partUpdate(this.#options.tableName, shardKey(input.sku, shard), change, {
          now,
          pin: part.version,
          ...(shard === 0
            ? { shards: input.shards, bump: 1 + removed.reduce((sum, gone) => sum + gone.version, 0) }
            : {}),
        });
      });
      for (const gone of removed) {
        actions.push({
          Delete: {
            TableName: this.#options.tableName,
            Key: shardKey(input.sku, gone.shard),
            ConditionExpression: '#v = :v',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':v': gone.version },
          },
        });
      }
      return { actions, layout };
    });
    if (!changed) throw skuNotFound(input.sku);
    return changed;
  }

  /**
   * See `StockSharding.rebalance`; `attempts` bounds the tries when reservations keep moving the shards
   * (a reservation that ran a shard dry rebalances with a few, so its answer never waits long).
   */
  async rebalance(sku: string, context: WriteContext, attempts?: number): Promise<StockShards | undefined> {
    const now = context.now.toISOString();
    return this.#change(sku, 'latest', attempts, (parts) => {
      const available = parts.map((part) => part.available);
      const even = evenSpread(
        available.reduce((sum, units) => sum + units, 0),
        available,
      );
      if (even.every((units, i) => units === available[i])) return undefined;
      const actions = parts.flatMap((part, i) => {
        const move = even[i]! - part.available;
        return move === 0
          ? []
          : [
              partUpdate(
                this.#options.tableName,
                shardKey(sku, part.shard),
                { quantity: move, reserved: 0 },
                { now },
              ),
            ];
      });
      const layout = parts.map((part, i) => ({
        quantity: part.quantity + even[i]! - part.available,
        reserved: part.reserved,
        available: even[i]!,
      }));
      return { actions, layout };
    });
  }

  /** The SKU's parts (its stock item alone when not sharded), `undefined` when unknown. */
  async #parts(sku: string, how: PartsRead): Promise<StockPart[] | undefined> {
    const base = await this.#options.writer.read([sku], [], { parts: how });
    const stock = base.stock.get(sku);
    if (!stock) return undefined;
    return [...(base.parts.get(sku) ?? [{ ...stock, shard: 0 }])];
  }

  /**
   * Reads the parts, lets `plan` decide the actions and the layout they make (`undefined`: nothing to
   * do), and runs them as one transaction, planning again on fresh parts when one moved meanwhile.
   */
  async #change(
    sku: string,
    how: PartsRead,
    attempts: number | undefined,
    plan: (
      parts: StockPart[],
    ) =>
      | { actions: TransactAction[]; layout: { quantity: number; reserved: number; available: number }[] }
      | undefined,
  ): Promise<StockShards | undefined> {
    const maxAttempts = attempts ?? this.#options.maxAttempts ?? 50;
    for (let attempt = 1; ; attempt++) {
      const parts = await this.#parts(sku, how);
      if (!parts) return undefined;
      const planned = plan(parts);
      if (!planned) return toStockShards(sku, parts);
      try {
        await this.#options.documents.send(
          new TransactWriteCommand({ TransactItems: planned.actions, ClientRequestToken: randomUUID() }),
        );
        return {
          sku,
          shards: planned.layout.length,
          layout: planned.layout.map((counts, shard) => ({ shard, ...counts })),
        };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        if (!retryableCancellation(error.CancellationReasons ?? [])) throw error;
        if (attempt >= maxAttempts) {
          throw AppError.unavailable(
            'INVENTORY.CONTENDED',
            `The shards of ${sku} kept changing under this change; retry it.`,
            { details: { sku } },
          );
        }
        await backoff(attempt);
      }
    }
  }
}
