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
import { MAX_STOCK_QUANTITY } from '../../domain/limits.ts';
import { countsOf, type StockChange } from '../../domain/stock-level.ts';
import type { WriteContext } from '../../ports/inventory-repository.ts';
import { batchGetItems } from './dynamo-batch-get.ts';
import { stockKey, toStockLevel, type ItemKey, type StockItem } from './dynamo-inventory-items.ts';
import { nextOutboxKey, outboxItem } from './dynamo-outbox.ts';
import { backoff } from './dynamo-retry.ts';

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
 * What was read before a write: the stock of each SKU (absent when unknown) and the other items asked for, by
 * `PK|SK`.
 */
export interface WriteBase {
  stock: ReadonlyMap<string, StockItem>;
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
 */
export class DynamoStockWriter {
  readonly #options: DynamoStockWriterOptions;
  readonly #locks = new AsyncLock({ maxPending: Number.POSITIVE_INFINITY });

  constructor(options: DynamoStockWriterOptions) {
    this.#options = options;
  }

  async write<R>(request: WriteRequest<R>): Promise<WriteOutcome<R>> {
    const skus = [...new Set(request.skus)].sort();
    return this.#locks.acquire(
      skus.map((sku) => `sku:${sku}`),
      () => this.#writeLocked(skus, request),
    );
  }

  /** The stock of `skus` and the items `others`, strongly consistent. */
  async read(skus: readonly string[], others: readonly ItemKey[] = []): Promise<WriteBase> {
    const { documents, tableName } = this.#options;
    const keys = [...skus.map(stockKey), ...others];
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
    for (const item of items) {
      if (item.SK === 'INVENTORY')
        stock.set((item as unknown as StockItem).sku, item as unknown as StockItem);
      else rest.set(itemKeyId(item as unknown as ItemKey), item);
    }
    return { stock, others: rest };
  }

  async #writeLocked<R>(skus: string[], request: WriteRequest<R>): Promise<WriteOutcome<R>> {
    const maxAttempts = this.#options.maxAttempts ?? 50;
    for (let attempt = 1; ; attempt++) {
      const base = await this.read(skus, request.read);
      const plan = request.plan(base);
      if ('refuse' in plan) return { status: 'refused', result: plan.refuse };
      const { transaction, changes } = this.#transaction(plan, base, request.context);
      try {
        await this.#options.documents.send(new TransactWriteCommand(transaction));
        return { status: 'written', changes };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        // When a stock item moved too, the caller's action may have failed only because of that move
        // (a history entry for the version another write just made): read again and re-plan instead.
        const stockMoved = reasons.some(
          (reason, index) =>
            index >= plan.actions.length &&
            index < plan.actions.length + plan.stock.length &&
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
        // a stock item moved since it was read (another process): read again and re-plan at once;
        // a conflict with another transaction or throttling: wait a little first
        if (retryable.some((code) => code !== 'ConditionalCheckFailed') || attempt > 3)
          await backoff(attempt);
      }
    }
  }

  #transaction(
    plan: { actions: TransactAction[]; stock: StockTarget[] },
    base: WriteBase,
    context: WriteContext,
  ) {
    const { tableName } = this.#options;
    const now = context.now.toISOString();
    const changes: StockChange[] = plan.stock.map((target) => {
      const before = base.stock.get(target.sku);
      const after = {
        sku: target.sku,
        quantity: target.quantity,
        reserved: target.reserved,
        version: (before?.version ?? 0) + 1,
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
    const outboxKey =
      events.length > 0
        ? nextOutboxKey(plan.stock.map((target) => base.stock.get(target.sku)?.outboxKey))
        : undefined;
    const stockActions = plan.stock.map((target) =>
      stockAction(tableName, target, base.stock.get(target.sku), now, outboxKey),
    );
    const outbox: TransactAction[] = outboxKey
      ? [
          {
            Put: {
              TableName: tableName,
              Item: outboxItem(outboxKey, events),
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
    return { transaction, changes };
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
  const dq = target.quantity - before.quantity;
  const dr = target.reserved - before.reserved;
  const da = dq - dr;
  return {
    Update: {
      TableName: tableName,
      Key: stockKey(target.sku),
      UpdateExpression: `ADD #q :dq, #r :dr, #a :da, #v :one SET #u = :now${outboxKey ? ', #o = :o' : ''}`,
      ConditionExpression: '#v = :v AND #a >= :minA AND #r >= :minR AND #q >= :minQ AND #q <= :maxQ',
      ExpressionAttributeNames: {
        '#q': 'quantity',
        '#r': 'reserved',
        '#a': 'available',
        '#v': 'version',
        '#u': 'updatedAt',
        ...(outboxKey ? { '#o': 'outboxKey' } : {}),
      },
      ExpressionAttributeValues: {
        ':dq': dq,
        ':dr': dr,
        ':da': da,
        ':one': 1,
        ':now': now,
        ':v': before.version,
        ':minA': -da,
        ':minR': -dr,
        ':minQ': -dq,
        ':maxQ': MAX_STOCK_QUANTITY - dq,
        ...(outboxKey ? { ':o': outboxKey } : {}),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
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
