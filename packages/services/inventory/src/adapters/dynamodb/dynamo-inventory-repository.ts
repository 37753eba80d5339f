import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AppError } from '@polyshop/kernel';
import { adjustmentRefusal } from '../../domain/adjustment-refusal.ts';
import { belowReserved, skuNotFound } from '../../domain/inventory-errors.ts';
import type { NewReservation, Reservation } from '../../domain/reservation.ts';
import type { StockAdjustment, StockChange, StockLevel } from '../../domain/stock-level.ts';
import type { StockShards } from '../../domain/stock-shards.ts';
import type {
  AdjustmentInput,
  InventoryRepository,
  ReservationTransition,
  ReserveOutcome,
  ReturnInput,
  SetQuantityInput,
  WriteContext,
} from '../../ports/inventory-repository.ts';
import type { ShardingInput, StockSharding } from '../../ports/stock-sharding.ts';
import { batchGetItems } from './dynamo-batch-get.ts';
import {
  ADJUSTMENT_PREFIX,
  adjustmentItem,
  EXPIRY_INDEX,
  EXPIRY_SHARDS,
  isInCreation,
  stockKey,
  toAdjustment,
  toReservation,
  toStockLevel,
  type AdjustmentItem,
  type ItemKey,
  type ReservationRecord,
  type StockItem,
} from './dynamo-inventory-items.ts';
import { pagesOf, startingAt } from './dynamo-pages.ts';
import { DynamoReservations, type StepHook } from './dynamo-reservations.ts';
import { readParts, sumParts } from './dynamo-stock-parts.ts';
import { DynamoStockSharding } from './dynamo-stock-sharding.ts';
import { DynamoStockWriter, type TransactAction } from './dynamo-stock-writer.ts';
import type { StockContention } from '../../ports/stock-contention.ts';

/** Tries of the rebalance a reservation that ran a shard dry makes before it answers (a best effort). */
const DRY_REBALANCE_ATTEMPTS = 3;

export interface DynamoInventoryRepositoryOptions {
  documents: DynamoDBDocumentClient;
  /** The inventory table (see `ensureInventoryTable`). */
  tableName: string;
  /** Called when a write is retried after a `TransactionConflict` or throttling. */
  onConflictRetry?: ((reasons: string[], attempt: number) => void) | undefined;
  /** Told of conflicts, retries and lock waits of stock writes (metrics). */
  contention?: StockContention | undefined;
  /** SKUs per transaction for reservations of many SKUs (default 98; tests lower it). */
  skusPerStep?: number;
  /** How long a half-made or half-ended reservation waits before the reaper takes it over. Default 30 s. */
  stepGraceMs?: number;
  /** Called after each step of a multi-transaction reservation operation (tests simulate crashes with it). */
  afterStep?: StepHook;
}

/**
 * `InventoryRepository` on DynamoDB: one table (`PK`/`SK`, see `dynamo-inventory-items.ts`). Every
 * stock change is a `TransactWriteItems` of conditional writes made by `DynamoStockWriter` (the change,
 * its history or reservation item, and its events in the table's outbox); reservations are in
 * `DynamoReservations`. Reads are strongly consistent, except the reaper's index (a GSI). It is also the
 * `StockSharding` of hot SKUs (`DynamoStockSharding`): a sharded SKU reads as the sums of its shards,
 * taken at one instant (`TransactGetItems`), and a reservation that runs a shard dry rebalances them.
 */
export class DynamoInventoryRepository implements InventoryRepository, StockSharding {
  readonly #documents: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #writer: DynamoStockWriter;
  readonly #reservations: DynamoReservations;
  readonly #sharding: DynamoStockSharding;

  constructor(options: DynamoInventoryRepositoryOptions) {
    this.#documents = options.documents;
    this.#tableName = options.tableName;
    this.#writer = new DynamoStockWriter({
      documents: options.documents,
      tableName: options.tableName,
      onConflictRetry: options.onConflictRetry,
      contention: options.contention,
      onShardDry: (sku, context) => this.#sharding.rebalance(sku, context, DRY_REBALANCE_ATTEMPTS),
    });
    this.#sharding = new DynamoStockSharding({
      documents: options.documents,
      tableName: options.tableName,
      writer: this.#writer,
    });
    this.#reservations = new DynamoReservations({
      documents: options.documents,
      tableName: options.tableName,
      writer: this.#writer,
      skusPerStep: options.skusPerStep,
      stepGraceMs: options.stepGraceMs,
      afterStep: options.afterStep,
    });
  }

  async findStock(sku: string): Promise<StockLevel | undefined> {
    const { Item } = await this.#documents.send(
      new GetCommand({ TableName: this.#tableName, Key: stockKey(sku), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const [level] = await this.#summed([Item as StockItem]);
    return level;
  }

  async findStocks(skus: readonly string[]): Promise<StockLevel[]> {
    const keys = [...new Set(skus)].map(stockKey);
    const items = await batchGetItems<StockItem>(this.#documents, this.#tableName, keys, {
      consistent: true,
    });
    const levels = await this.#summed(items);
    return levels.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  }

  findShards(sku: string): Promise<StockShards | undefined> {
    return this.#sharding.findShards(sku);
  }

  setShards(input: ShardingInput, context: WriteContext): Promise<StockShards> {
    return this.#sharding.setShards(input, context);
  }

  rebalance(sku: string, context: WriteContext): Promise<StockShards | undefined> {
    return this.#sharding.rebalance(sku, context);
  }

  async setQuantity(input: SetQuantityInput, context: WriteContext): Promise<StockChange> {
    return this.#adjustment(input.sku, context, (before) => {
      if (before && input.quantity < before.reserved)
        return belowReserved(input.sku, before.quantity, before.reserved, 'quantity');
      return {
        kind: 'set',
        quantity: input.quantity,
        delta: input.quantity - (before?.quantity ?? 0),
        reason: input.reason,
        actor: input.actor,
      };
    });
  }

  async adjust(input: AdjustmentInput, context: WriteContext): Promise<StockChange> {
    return this.#adjustment(input.sku, context, (before) => {
      if (!before) return skuNotFound(input.sku);
      const refusal = adjustmentRefusal(input.sku, before, input.delta);
      if (refusal) return refusal;
      return {
        kind: 'adjust',
        quantity: before.quantity + input.delta,
        delta: input.delta,
        reason: input.reason,
        actor: input.actor,
      };
    });
  }

  async listAdjustments(sku: string, limit: number): Promise<StockAdjustment[]> {
    const { Items = [] } = await this.#documents.send(
      new QueryCommand({
        TableName: this.#tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': stockKey(sku).PK, ':prefix': ADJUSTMENT_PREFIX },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (Items as AdjustmentItem[]).map(toAdjustment);
  }

  reserve(reservation: NewReservation, context: WriteContext): Promise<ReserveOutcome> {
    return this.#reservations.reserve(reservation, context);
  }

  commitReservation(id: string, context: WriteContext): Promise<ReservationTransition | undefined> {
    return this.#reservations.end(id, 'commit', context);
  }

  releaseReservation(id: string, context: WriteContext): Promise<ReservationTransition | undefined> {
    return this.#reservations.end(id, 'release', context);
  }

  expireReservation(id: string, context: WriteContext): Promise<ReservationTransition | undefined> {
    return this.#reservations.end(id, 'expire', context);
  }

  returnReservation(
    id: string,
    input: ReturnInput,
    context: WriteContext,
  ): Promise<ReservationTransition | undefined> {
    return this.#reservations.returnStock(id, input, context);
  }

  async findReservation(id: string): Promise<Reservation | undefined> {
    const record = await this.#reservations.find(id);
    return record && !isInCreation(record) ? toReservation(record) : undefined;
  }

  /**
   * Every reservation in the reaper's GSI (active ones, and operations left half-done: it lists each
   * reservation that still needs the reaper), read whole by key and kept when active and holding `sku`.
   */
  async findActiveReservations(sku: string, limit: number): Promise<Reservation[]> {
    const keys: ItemKey[] = [];
    for (let shard = 0; shard < EXPIRY_SHARDS; shard++) {
      const pages = pagesOf((start) =>
        this.#documents.send(
          new QueryCommand({
            TableName: this.#tableName,
            IndexName: EXPIRY_INDEX,
            KeyConditionExpression: 'expiryShard = :shard',
            ExpressionAttributeValues: { ':shard': `EXPIRY#${shard}` },
            ...startingAt(start),
          }),
        ),
      );
      for await (const page of pages)
        keys.push(...((page.Items ?? []) as ItemKey[]).map(({ PK, SK }) => ({ PK, SK })));
    }
    const records = await batchGetItems<ReservationRecord>(this.#documents, this.#tableName, keys, {
      consistent: true,
    });
    return records
      .filter((record) => record.status === 'active' && record.items.some((item) => item.sku === sku))
      .map(toReservation)
      .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }

  /**
   * From the reaper's GSI (eventually consistent: a reservation ended a moment ago may still be
   * listed, and `expireReservation` then leaves it alone). Besides active reservations past their
   * expiry it lists multi-step operations left half-done past their grace period, for the reaper to
   * finish or undo.
   */
  async findExpiredReservations(now: Date, limit: number): Promise<string[]> {
    // keys are `<ISO time>#<id>`: every key of a time at or before `now` sorts before the next millisecond
    const bound = new Date(now.getTime() + 1).toISOString();
    const shards = await Promise.all(
      Array.from({ length: EXPIRY_SHARDS }, (_, shard) =>
        this.#documents.send(
          new QueryCommand({
            TableName: this.#tableName,
            IndexName: EXPIRY_INDEX,
            KeyConditionExpression: 'expiryShard = :shard AND expiryKey < :bound',
            ExpressionAttributeValues: { ':shard': `EXPIRY#${shard}`, ':bound': bound },
            Limit: limit,
          }),
        ),
      ),
    );
    return shards
      .flatMap((result) => (result.Items ?? []) as { PK: string; expiryKey: string }[])
      .sort((a, b) => (a.expiryKey < b.expiryKey ? -1 : a.expiryKey > b.expiryKey ? 1 : 0))
      .slice(0, limit)
      .map((item) => item.PK.slice('RESERVATION#'.length));
  }

  /**
   * The levels of stock items as read, a sharded SKU's summed over its shards: read at one instant,
   * unless transactions keep writing them (then each shard's latest; see `PartsRead`).
   */
  async #summed(items: readonly StockItem[]): Promise<StockLevel[]> {
    const sharded = await readParts(this.#documents, this.#tableName, items, 'preferred');
    return items.flatMap((item) => {
      if (!sharded.has(item.sku)) return [toStockLevel(item)];
      const read = sharded.get(item.sku)!;
      return [toStockLevel(sumParts(read.stock, read.parts))];
    });
  }

  /**
   * A set or an adjustment: the new quantity (decided on the stock read, or refused with an error), its
   * history entry and events, in one transaction.
   */
  async #adjustment(
    sku: string,
    context: WriteContext,
    decide: (before: StockItem | undefined) =>
      | AppError
      | {
          kind: 'set' | 'adjust';
          quantity: number;
          delta: number;
          reason: string;
          actor?: string | undefined;
        },
  ): Promise<StockChange> {
    const at = context.now.toISOString();
    const outcome = await this.#writer.write<AppError>({
      skus: [sku],
      context,
      plan: ({ stock }) => {
        const before = stock.get(sku);
        const decision = decide(before);
        if (decision instanceof AppError) return { refuse: decision };
        const version = (before?.version ?? 0) + 1;
        const entry = adjustmentItem(sku, version, {
          kind: decision.kind,
          delta: decision.delta,
          quantityAfter: decision.quantity,
          reason: decision.reason,
          actor: decision.actor,
          at,
        });
        // the stock update is pinned to `version - 1`, so this key is free unless that update fails too
        const history: TransactAction = {
          Put: { TableName: this.#tableName, Item: entry, ConditionExpression: 'attribute_not_exists(PK)' },
        };
        return {
          actions: [history],
          stock: [{ sku, quantity: decision.quantity, reserved: before?.reserved ?? 0 }],
        };
      },
    });
    if (outcome.status === 'refused') throw outcome.result;
    if (outcome.status === 'condition_failed') {
      throw new AppError(
        'internal',
        'INVENTORY.INVARIANT_BROKEN',
        `${sku} already has a history entry for the version this write makes.`,
      );
    }
    return outcome.changes[0]!;
  }
}
