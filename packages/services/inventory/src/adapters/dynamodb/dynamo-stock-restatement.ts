import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { countsOf, type StockChange, type StockLevel } from '../../domain/stock-level.ts';
import type { WriteContext } from '../../ports/inventory-repository.ts';
import { toStockLevel, type StockItem } from './dynamo-inventory-items.ts';
import { nextOutboxKey, outboxItem } from './dynamo-outbox.ts';

export interface StockRestatementsOptions {
  documents: DynamoDBDocumentClient;
  tableName: string;
  /** The SKUs' stock as it is now (a sharded SKU's summed over its parts). */
  read(skus: readonly string[]): Promise<ReadonlyMap<string, StockItem>>;
}

interface Flight {
  done: Promise<void>;
  /** What this process last told consumers about the SKU (the newest version it recorded). */
  said: StockLevel;
  context: WriteContext;
  /** A write finished while the flight was reading: read once more before landing. */
  again: boolean;
}

/**
 * Keeps what consumers hold of a sharded SKU true. A reservation, release, commit or expiry on a sharded
 * SKU is not pinned to the other shards, so the counts its events carry are those read before it plus
 * its own change: writes to other shards in between are missing, and the event with the highest version
 * may say a SKU is in stock when it has sold out. So after such a write the SKU is read again and, when it
 * has moved past what this process last recorded, its exact counts are recorded as one more
 * `inventory.changed` (and `inventory.low` when that crosses the threshold) in the outbox.
 *
 * Concurrent writes of one SKU in this process share one read at a time, and a write that finishes while
 * one is reading makes it read again, so the last write to any SKU is always followed by a read that
 * sees it: once writes stop, the newest event of every SKU states its counts exactly. A restatement that
 * fails is dropped (the write itself has committed): the next write to the SKU restates it.
 */
export class StockRestatements {
  readonly #options: StockRestatementsOptions;
  readonly #flights = new Map<string, Flight>();

  constructor(options: StockRestatementsOptions) {
    this.#options = options;
  }

  /** After a committed write whose `changes` may be out of date: restates each SKU once it is read again. */
  async after(changes: readonly StockChange[], context: WriteContext): Promise<void> {
    if (!context.events) return;
    await Promise.all(changes.map((change) => this.#restate(change, context)));
  }

  #restate(change: StockChange, context: WriteContext): Promise<void> {
    const flight = this.#flights.get(change.sku);
    if (flight) {
      if (change.after.version > flight.said.version) flight.said = change.after;
      flight.context = context;
      flight.again = true;
      return flight.done;
    }
    const started: Flight = { done: Promise.resolve(), said: change.after, context, again: true };
    started.done = this.#fly(change.sku, started);
    this.#flights.set(change.sku, started);
    return started.done;
  }

  async #fly(sku: string, flight: Flight): Promise<void> {
    for (;;) {
      // landing and leaving the map in one step, so no write can join a flight that will not read again
      if (!flight.again) {
        this.#flights.delete(sku);
        return;
      }
      flight.again = false;
      try {
        const stock = (await this.#options.read([sku])).get(sku);
        if (!stock || stock.version <= flight.said.version) continue;
        const level = toStockLevel(stock);
        const events =
          flight.context.events?.([
            { sku, before: countsOf(flight.said.quantity, flight.said.reserved), after: level },
          ]) ?? [];
        flight.said = level;
        if (events.length === 0) continue;
        await this.#options.documents.send(
          new PutCommand({
            TableName: this.#options.tableName,
            Item: outboxItem(nextOutboxKey([stock.outboxKey]), events),
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        );
      } catch {
        // dropped: the write committed; the SKU's next write restates it
      }
    }
  }
}
