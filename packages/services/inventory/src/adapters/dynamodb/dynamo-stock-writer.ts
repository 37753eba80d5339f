import { randomUUID } from 'node:crypto';
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import AsyncLock from 'async-lock';
import { AppError } from '@polyshop/kernel';
import { countsOf, type StockChange } from '../../domain/stock-level.ts';
import type { WriteContext } from '../../ports/inventory-repository.ts';
import { batchGetItems } from './dynamo-batch-get.ts';
import {
  keyAttributes,
  stockKey,
  toStockLevel,
  type ItemKey,
  type StockItem,
} from './dynamo-inventory-items.ts';
import { nextOutboxKey, outboxItem } from './dynamo-outbox.ts';
import { backoff } from './dynamo-retry.ts';
import type { StockContention } from '../../ports/stock-contention.ts';
import { StockRestatements } from './dynamo-stock-restatement.ts';
import {
  partUpdate,
  readParts,
  SHARD_SK,
  shardCount,
  shardKey,
  shardedStockActions,
  sumParts,
  type PartsRead,
  type StockPart,
} from './dynamo-stock-parts.ts';

/** One action of a `TransactWriteItems` (a Put, Update, Delete or ConditionCheck, DocumentClient-shaped). */
export type TransactAction = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit on the actions of one transaction. */
export const MAX_TRANSACTION_ACTIONS = 100;

/** The counts a SKU must have after the write. */
export interface StockTarget {
  sku: string;
  quantity: number;
  reserved: number;
}

/**
 * What was read before a write: the stock of each SKU (absent when unknown; for a sharded SKU the sums of
 * its parts), the parts of each sharded SKU, and the other items asked for, by `PK|SK`.
 */
export interface WriteBase {
  stock: ReadonlyMap<string, StockItem>;
  parts: ReadonlyMap<string, readonly StockPart[]>;
  others: ReadonlyMap<string, Record<string, unknown>>;
}

/**
 * A plan made from the items read: either no write at all (`refuse`, with the result to answer), or
 * the `actions` to run first (the reservation, an adjustment entry; each with its own condition) and
 * the counts each SKU must end with.
 */
export type WritePlan<R> = { refuse: R } | { actions: TransactAction[]; stock: StockTarget[] };

/**
 * - `written`: the transaction committed; `changes` lists each SKU's counts before and after.
 * - `refused`: the plan refused on the items read; nothing was written.
 * - `condition_failed`: the condition of `plan.actions[action]` failed; `item` is that item as it
 *   was (`ALL_OLD`), or `undefined` when it did not exist. Nothing was written.
 */
export type WriteOutcome<R> =
  | { status: 'written'; changes: StockChange[] }
  | { status: 'refused'; result: R }
  | { status: 'condition_failed'; action: number; item: Record<string, unknown> | undefined };

export interface WriteRequest<R> {
  /** The SKUs the write may change, locked in this process and read before planning. */
  skus: readonly string[];
  /** Other items to read with the stock (the reservation). */
  read?: readonly ItemKey[];
  context: WriteContext;
  plan(base: WriteBase): WritePlan<R>;
}

export interface DynamoStockWriterOptions {
  documents: DynamoDBDocumentClient;
  tableName: string;
  /** Attempts per write when the stock moved under it or transactions conflicted. Default 50. */
  maxAttempts?: number;
  /** Called when a write is retried after a `TransactionConflict` or a throttled transaction. */
  onConflictRetry?: ((reasons: string[], attempt: number) => void) | undefined;
  /** Told of each conflict retried, each retry and the time a write waited for its SKUs' locks (metrics). */
  contention?: StockContention | undefined;
  /**
   * Called, and awaited, after a reservation ran a shard of a sharded SKU dry while the SKU had units to
   * spare (the repository rebalances it); its failure does not fail the write.
   */
  onShardDry?: ((sku: string, context: WriteContext) => Promise<unknown>) | undefined;
}

export const itemKeyId = (key: ItemKey): string => `${key.PK}|${key.SK}`;

/**
 * Makes every stock change of the DynamoDB adapter: reads the SKUs (strongly consistent), lets the
 * caller plan the write on what it read, and commits it as one `TransactWriteItems`: the caller's
 * actions, one conditional update per SKU and the outbox item with the write's events.
 *
 * Each stock update is pinned to the version it was planned on (`#v = :v`) and also guarded by the
 * invariants the store can check by itself (available ≥ 0, reserved ≥ 0, quantity ≤ the maximum), so
 * a write decided on a stale read never lands: it is cancelled, and the writer reads again and
 * re-plans. Because the write starts from the counts it read, it knows each SKU's exact counts before
 * and after, which the events and the port's `StockChange`s need (`TransactWriteItems` returns no
 * values). Writes in one process take the SKUs' locks in SKU order first, so they queue rather than
 * cancel each other; writers in other processes are kept apart by the version conditions
 * (`ConditionalCheckFailed`) and DynamoDB's own `TransactionConflict`, both retried with backoff.
 *
 * A sharded SKU (see `dynamo-stock-parts.ts`) is read as the sums of its parts, so plans need not know;
 * its changes of reserved units go to one shard unpinned and take no lock in this process (that is what
 * lets one SKU take many writes at once), and a plan refused on a sharded SKU is planned once more on a
 * snapshot of its parts before the refusal stands, so stock that exists is never refused because a
 * read caught units between two shards.
 */
export class DynamoStockWriter {
  readonly #options: DynamoStockWriterOptions;
  readonly #locks = new AsyncLock({ maxPending: Number.POSITIVE_INFINITY });
  /**
   * The shard count of each SKU last read sharded: its writes take no lock here, and its shards are read
   * in the same request as its stock item.
   */
  readonly #shardCounts = new Map<string, number>();
  readonly #restatements: StockRestatements;

  constructor(options: DynamoStockWriterOptions) {
    this.#options = options;
    this.#restatements = new StockRestatements({
      documents: options.documents,
      tableName: options.tableName,
      read: async (skus) => (await this.read(skus)).stock,
    });
  }

  async write<R>(request: WriteRequest<R>): Promise<WriteOutcome<R>> {
    const skus = [...new Set(request.skus)].sort();
    const locked = skus.filter((sku) => !this.#shardCounts.has(sku));
    if (locked.length === 0) return this.#writeLocked(skus, request);
    const { contention } = this.#options;
    const asked = contention ? performance.now() : 0;
    return this.#locks.acquire(
      locked.map((sku) => `sku:${sku}`),
      () => {
        contention?.waited((performance.now() - asked) / 1000);
        return this.#writeLocked(skus, request);
      },
    );
  }

  /**
   * The stock of `skus` (a sharded SKU's summed over its parts) and the items `others`, strongly
   * consistent; each sharded SKU's parts read as `options.parts` says (default `latest`).
   */
  async read(
    skus: readonly string[],
    others: readonly ItemKey[] = [],
    options: { parts?: PartsRead } = {},
  ): Promise<WriteBase> {
    const { documents, tableName } = this.#options;
    const guessed = skus.flatMap((sku) =>
      Array.from({ length: (this.#shardCounts.get(sku) ?? 1) - 1 }, (_, i) => shardKey(sku, i + 1)),
    );
    const keys = [...skus.map(stockKey), ...others, ...guessed];
    let items: Record<string, unknown>[];
    if (keys.length === 1) {
      const { Item } = await documents.send(
        new GetCommand({ TableName: tableName, Key: keys[0], ConsistentRead: true }),
      );
      items = Item ? [Item] : [];
    } else {
      items = await batchGetItems<Record<string, unknown>>(documents, tableName, keys, { consistent: true });
    }
    const stock = new Map<string, StockItem>();
    const rest = new Map<string, Record<string, unknown>>();
    const early: StockPart[] = [];
    for (const item of items) {
      if (item.SK === 'INVENTORY')
        stock.set((item as unknown as StockItem).sku, item as unknown as StockItem);
      else if (item.SK === SHARD_SK) early.push(item as unknown as StockPart);
      else rest.set(itemKeyId(item as unknown as ItemKey), item);
    }
    for (const item of stock.values()) {
      if (shardCount(item) > 1) this.#shardCounts.set(item.sku, shardCount(item));
      else this.#shardCounts.delete(item.sku);
    }
    const parts = new Map<string, readonly StockPart[]>();
    const sharded = await readParts(
      documents,
      tableName,
      [...stock.values()],
      options.parts ?? 'latest',
      early,
    );
    for (const [sku, read] of sharded) {
      stock.set(sku, sumParts(read.stock, read.parts));
      parts.set(sku, read.parts);
    }
    return { stock, parts, others: rest };
  }

  async #writeLocked<R>(skus: string[], request: WriteRequest<R>): Promise<WriteOutcome<R>> {
    const maxAttempts = this.#options.maxAttempts ?? 50;
    for (let attempt = 1; ; attempt++) {
      let base = await this.read(skus, request.read);
      let plan = request.plan(base);
      if ('refuse' in plan && base.parts.size > 0) {
        base = await this.read(skus, request.read, { parts: 'snapshot' });
        plan = request.plan(base);
      }
      if ('refuse' in plan) return { status: 'refused', result: plan.refuse };
      const { transaction, changes, stockActions, dry, inexact } = this.#transaction(
        plan,
        base,
        request.context,
      );
      try {
        await this.#options.documents.send(new TransactWriteCommand(transaction));
        for (const sku of dry) await this.#options.onShardDry?.(sku, request.context).catch(() => undefined);
        await this.#restatements.after(
          changes.filter((change) => inexact.has(change.sku)),
          request.context,
        );
        return { status: 'written', changes };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        // When a stock item moved too, the caller's action may have failed only because of that move
        // (a history entry for the version another write just made): read again and re-plan instead.
        const stockMoved = reasons.some(
          (reason, index) =>
            index >= plan.actions.length &&
            index < plan.actions.length + stockActions &&
            reason.Code === 'ConditionalCheckFailed',
        );
        const failed = stockMoved
          ? -1
          : reasons.findIndex(
              (reason, index) => index < plan.actions.length && reason.Code === 'ConditionalCheckFailed',
            );
        if (failed >= 0)
          return { status: 'condition_failed', action: failed, item: oldItem(reasons[failed]!) };
        const retryable = retryableCancellation(reasons);
        if (!retryable || attempt >= maxAttempts) {
          if (retryable) {
            throw AppError.unavailable(
              'INVENTORY.CONTENDED',
              'The stock kept changing under this write; retry it.',
              { details: { skus } },
            );
          }
          throw error;
        }
        if (retryable.some((code) => code !== 'ConditionalCheckFailed'))
          this.#options.onConflictRetry?.(retryable, attempt);
        this.#reportConflict(retryable);
        // a stock item moved since it was read (another process): read again and re-plan at once;
        // a conflict with another transaction or throttling: wait a little first
        if (retryable.some((code) => code !== 'ConditionalCheckFailed') || attempt > 3)
          await backoff(attempt);
      }
    }
  }

  /** One conflict per cancelled transaction, named by its first reason, and the retry that follows. */
  #reportConflict(codes: readonly string[]): void {
    const { contention } = this.#options;
    if (!contention) return;
    const code = codes[0];
    contention.conflict(
      code === 'ConditionalCheckFailed'
        ? 'condition_failed'
        : code === 'TransactionConflict'
          ? 'transaction_conflict'
          : 'throttled',
    );
    contention.retried();
  }

  #transaction(
    plan: { actions: TransactAction[]; stock: StockTarget[] },
    base: WriteBase,
    context: WriteContext,
  ) {
    const { tableName } = this.#options;
    const now = context.now.toISOString();
    // A sharded SKU's actions decide its version (one bump per part written), which its events carry, so
    // they are made first, with the outbox key even when the write records no events (the key only orders
    // the outbox: an unused one just raises the floor the SKU's next key starts from).
    const outboxKey = nextOutboxKey(plan.stock.map((target) => base.stock.get(target.sku)?.outboxKey));
    const sharded = new Map(
      plan.stock.flatMap((target) => {
        const parts = base.parts.get(target.sku);
        return parts ? [[target.sku, shardedStockActions(tableName, target, parts, { now, outboxKey })]] : [];
      }),
    );
    const changes: StockChange[] = plan.stock.map((target) => {
      const before = base.stock.get(target.sku);
      const after = {
        sku: target.sku,
        quantity: target.quantity,
        reserved: target.reserved,
        version: (before?.version ?? 0) + (sharded.get(target.sku)?.bumps ?? 1),
        updatedAt: now,
      };
      return {
        sku: target.sku,
        before: before && countsOf(before.quantity, before.reserved),
        after: toStockLevel({
          ...stockKey(target.sku),
          ...after,
          available: after.quantity - after.reserved,
        }),
      };
    });
    const events = changes.length > 0 ? (context.events?.(changes) ?? []) : [];
    const used = events.length > 0 ? outboxKey : undefined;
    const stockActions = plan.stock.flatMap(
      (target) =>
        sharded.get(target.sku)?.actions ?? [
          stockAction(tableName, target, base.stock.get(target.sku), now, used),
        ],
    );
    const outbox: TransactAction[] = used
      ? [
          {
            Put: {
              TableName: tableName,
              Item: outboxItem(used, events),
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
        ]
      : [];
    const actions = [...plan.actions, ...stockActions, ...outbox];
    if (actions.length > MAX_TRANSACTION_ACTIONS) {
      throw new Error(
        `a write of ${actions.length} actions exceeds DynamoDB's ${MAX_TRANSACTION_ACTIONS} per transaction`,
      );
    }
    // The token makes the SDK's own retries of this very request idempotent (DynamoDB answers a
    // repeat within 10 minutes with the first outcome instead of applying it twice).
    const transaction: TransactWriteCommandInput = {
      TransactItems: actions,
      ClientRequestToken: randomUUID(),
    };
    const dry = [...sharded].flatMap(([sku, write]) => (write.dry ? [sku] : []));
    const inexact = new Set([...sharded].flatMap(([sku, write]) => (write.exact ? [] : [sku])));
    return { transaction, changes, stockActions: stockActions.length, dry, inexact };
  }
}

/**
 * The update of one SKU to `target`: a Put creating it (`attribute_not_exists`) when it was unknown,
 * else relative `ADD`s pinned to the version read, guarded by the invariants as well.
 */
function stockAction(
  tableName: string,
  target: StockTarget,
  before: StockItem | undefined,
  now: string,
  outboxKey: string | undefined,
): TransactAction {
  const marks = outboxKey ? { outboxKey } : {};
  if (!before) {
    const item: StockItem = {
      ...stockKey(target.sku),
      sku: target.sku,
      quantity: target.quantity,
      reserved: target.reserved,
      available: target.quantity - target.reserved,
      version: 1,
      updatedAt: now,
      ...marks,
      ...keyAttributes('STOCK', target.sku),
    };
    return {
      Put: {
        TableName: tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(PK)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }
  return partUpdate(
    tableName,
    stockKey(target.sku),
    { quantity: target.quantity - before.quantity, reserved: target.reserved - before.reserved },
    { now, pin: before.version, outboxKey },
  );
}

function oldItem(reason: CancellationReason): Record<string, unknown> | undefined {
  return reason.Item ? unmarshall(reason.Item) : undefined;
}

/**
 * The codes of a cancelled transaction worth another attempt (a stock item moved, another transaction
 * was writing one of the items, throttling), or `undefined` when it must not be retried.
 */
export function retryableCancellation(reasons: readonly CancellationReason[]): string[] | undefined {
  const codes = reasons.map((reason) => reason.Code ?? 'None').filter((code) => code !== 'None');
  const retryable = [
    'ConditionalCheckFailed',
    'TransactionConflict',
    'ThrottlingError',
    'ProvisionedThroughputExceeded',
  ];
  return codes.length > 0 && codes.every((code) => retryable.includes(code)) ? codes : undefined;
}
