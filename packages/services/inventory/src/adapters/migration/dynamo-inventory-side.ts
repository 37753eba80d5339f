import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { mapBounded } from '@polyshop/kernel';
import {
  compareCodePoints,
  type MigrationRecord,
  type MigrationSide,
  type UpsertOptions,
} from '@polyshop/migration';
import type { Reservation } from '../../domain/reservation.ts';
import type { StockAdjustment, StockLevel } from '../../domain/stock-level.ts';
import { evenSpread } from '../../domain/stock-shards.ts';
import { batchGetItems } from '../dynamodb/dynamo-batch-get.ts';
import {
  ADJUSTMENT_PREFIX,
  adjustmentItem,
  expiryAttributes,
  isInCreation,
  KEY_INDEX,
  KEY_SHARDS,
  keyAttributes,
  RESERVATION_RETENTION_SECONDS,
  reservationKey,
  stockKey,
  toAdjustment,
  toReservation,
  toStockLevel,
  type AdjustmentItem,
  type ItemKey,
  type KeyedKind,
  type ReservationRecord,
  type StockItem,
} from '../dynamodb/dynamo-inventory-items.ts';
import { pagesOf, startingAt } from '../dynamodb/dynamo-pages.ts';
import { backoff } from '../dynamodb/dynamo-retry.ts';
import { MAX_TRANSACTION_ACTIONS, type TransactAction } from '../dynamodb/dynamo-stock-writer.ts';
import { readParts, shardKey, sumParts, type StockPart } from '../dynamodb/dynamo-stock-parts.ts';
import {
  adjustmentKeyOf,
  canonicalInventoryRecord,
  INVENTORY_KINDS,
  inventoryKind,
  parseAdjustmentKey,
  reservationRecord,
  statusesBelow,
  stockRecord,
  adjustmentRecord,
  type InventoryKind,
} from './inventory-migration-kinds.ts';

/** Tries of one stock copy whose parts moved under it (a live writer on the same SKU). */
const STOCK_COPY_ATTEMPTS = 10;

/**
 * Keys of one `upsertIfNewer` written at a time. Each write carries its own version (or status)
 * condition on its own item, so writing different keys side by side keeps copy-by-version.
 */
const UPSERTS_IN_FLIGHT = 16;

/** A conditional write as a transaction's action takes it (and as `PutCommand`/`UpdateCommand` do). */
type ItemPut = NonNullable<TransactAction['Put']>;
type ItemUpdate = NonNullable<TransactAction['Update']>;

interface KeyedItem {
  key: string;
  item: ItemKey;
}

/** The key index's kind of each kind it lists (history is listed by its SKUs). */
const INDEXED = { stock: 'STOCK', reservations: 'RESERVATION' } as const;

/** At most this many SKUs listed at a time while a page of history walks them (as many as the page holds, else). */
const LISTED_SKUS = 100;

/**
 * Inventory in its DynamoDB table (see `dynamo-inventory-items.ts`) as the migration engine reads and
 * writes it. Stock is read as one record per SKU (a sharded SKU summed over its parts, read at one
 * instant) and written back as absolute counts with a version condition: a non-sharded SKU by a `Put`
 * conditioned on a lower version, a sharded one by one transaction of `Put`s over all its parts, each
 * pinned to the version read (reserved units in shard 0, available spread evenly; shard 0 carries the
 * record's version, the others 0, so the sum is the record's version). Never an `ADD`: copying twice
 * writes nothing the second time. Reservations are written only forward in status (an active one put
 * back in the reaper's index at its expiry); history entries once. Reservations still being made in
 * steps (`pending`, `aborting`) are not records yet and are left out.
 * A batch goes as `TransactWriteItems` of these conditional writes (up to 100 a round trip, each keeping
 * its condition): a condition that fails cancels its transaction, whose records then go one by one
 * (up to 16 in flight), those already as new there left out.
 *
 * Key order: a page of stock or reservations is listed from the table's key index (`KEY_INDEX`: each
 * of its shards queried from the key the page starts after, merged in code-point order, as the
 * PostgreSQL side orders its keys), then read by key (consistently); a page of history walks the SKUs
 * in that order, each SKU's entries a `Query` of its partition (sorted by stock version, so
 * `<sku>#<version>` keys come in code-point order: SKUs have no character below `#`). A page costs
 * what it lists, never a scan of the table. The index is eventually consistent: a record written a
 * moment ago may be listed late — written during the move, it was copied by the router already, and
 * verify reads a key it finds missing again before counting it.
 */
export class DynamoInventorySide implements MigrationSide {
  readonly store = 'dynamodb';
  readonly kinds = INVENTORY_KINDS;
  readonly #documents: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(documents: DynamoDBDocumentClient, tableName: string) {
    this.#documents = documents;
    this.#tableName = tableName;
  }

  async scan(kind: string, after: string | undefined, limit: number): Promise<MigrationRecord[]> {
    const k = inventoryKind(kind);
    const records: MigrationRecord[] = [];
    // a listed key may read as nothing (a reservation still being made, an item just deleted): list on
    for (let from = after; records.length < limit;) {
      const wanted = limit - records.length;
      const keys =
        k === 'adjustments' ? await this.#historyKeys(from, wanted) : await this.#indexed(k, from, wanted);
      records.push(...(await this.#readItems(k, keys)));
      if (keys.length < wanted) break;
      from = keys.at(-1)!.key;
    }
    return records;
  }

  async lastKey(kind: string): Promise<string | undefined> {
    const k = inventoryKind(kind);
    if (k !== 'adjustments') return (await this.#indexedKeys(INDEXED[k], undefined, 1, 'descending'))[0];
    // the last entry of the last SKU that has history
    for (let before: string | undefined; ;) {
      const skus = await this.#indexedKeys('STOCK', before, LISTED_SKUS, 'descending');
      for (const sku of skus) {
        const [last] = await this.#historyOf(sku, 0, 1, 'descending');
        if (last) return last.key;
      }
      if (skus.length < LISTED_SKUS) return undefined;
      before = skus.at(-1);
    }
  }

  async read(kind: string, keys: readonly string[]): Promise<MigrationRecord[]> {
    const k = inventoryKind(kind);
    return this.#readItems(
      k,
      keys.map((key) => ({ key, item: this.#itemKey(k, key) })),
    );
  }

  async upsertIfNewer(
    kind: string,
    records: readonly MigrationRecord[],
    options: UpsertOptions = {},
  ): Promise<string[]> {
    const k = inventoryKind(kind);
    const force = options.force === true;
    // the first of each key in transactions; a key listed again after (its order kept: one by one)
    const seen = new Set<string>();
    const firsts: number[] = [];
    const again: number[] = [];
    records.forEach((record, i) => {
      (seen.has(record.key) ? again : firsts).push(i);
      seen.add(record.key);
    });
    const wrote = new Array<boolean>(records.length).fill(false);
    for (let start = 0; start < firsts.length; start += MAX_TRANSACTION_ACTIONS) {
      const group = firsts.slice(start, start + MAX_TRANSACTION_ACTIONS);
      const settled = await this.#upsertTogether(
        k,
        group.map((i) => records[i]!),
        force,
      );
      const alone = group.filter((i, n) => {
        wrote[i] = settled[n] === true;
        return settled[n] === undefined;
      });
      await mapBounded(alone, UPSERTS_IN_FLIGHT, async (i) => {
        wrote[i] = await this.#upsertAlone(k, records[i]!, force);
      });
    }
    for (const i of again) wrote[i] = await this.#upsertAlone(k, records[i]!, force);
    return records.filter((_, i) => wrote[i]).map((record) => record.key);
  }

  async remove(kind: string, keys: readonly string[]): Promise<void> {
    const k = inventoryKind(kind);
    for (const key of keys) {
      if (k === 'stock') {
        const [stock] = await batchGetItems<StockItem>(this.#documents, this.#tableName, [stockKey(key)], {
          consistent: true,
        });
        for (let shard = (stock?.shards ?? 1) - 1; shard >= 1; shard--) {
          await this.#documents.send(
            new DeleteCommand({ TableName: this.#tableName, Key: shardKey(key, shard) }),
          );
        }
        // its history too, as on PostgreSQL (history is listed by its SKU's stock: none is left without)
        for (const entry of await this.#historyOf(key, 0, Infinity)) {
          await this.#documents.send(new DeleteCommand({ TableName: this.#tableName, Key: entry.item }));
        }
      }
      await this.#documents.send(
        new DeleteCommand({ TableName: this.#tableName, Key: this.#itemKey(k, key) }),
      );
    }
  }

  /** By one consistent `Scan` counting the kind's items (once per backfill or verify pass, not per page). */
  async count(kind: string): Promise<number> {
    const filters: Record<InventoryKind, string> = {
      stock: 'SK = :stock',
      reservations: 'SK = :reservation AND NOT (#s IN (:pending, :aborting))',
      adjustments: 'begins_with(SK, :adjustment)',
    };
    const values: Record<InventoryKind, Record<string, string>> = {
      stock: { ':stock': 'INVENTORY' },
      reservations: { ':reservation': 'RESERVATION', ':pending': 'pending', ':aborting': 'aborting' },
      adjustments: { ':adjustment': ADJUSTMENT_PREFIX },
    };
    const k = inventoryKind(kind);
    let count = 0;
    const pages = pagesOf((start) =>
      this.#documents.send(
        new ScanCommand({
          TableName: this.#tableName,
          ConsistentRead: true,
          Select: 'COUNT',
          FilterExpression: filters[k],
          ExpressionAttributeValues: values[k],
          ...(k === 'reservations' ? { ExpressionAttributeNames: { '#s': 'status' } } : {}),
          ...startingAt(start),
        }),
      ),
    );
    for await (const page of pages) count += page.Count ?? 0;
    return count;
  }

  /** The keys of the SKU's history entries made by stock versions `from` to `to` (what writes just added, to copy). */
  async adjustmentKeysBetween(sku: string, from: number, to: number): Promise<string[]> {
    return (await this.#historyOf(sku, from, Infinity, 'ascending', to)).map((entry) => entry.key);
  }

  canonical(kind: string, body: unknown): unknown {
    return canonicalInventoryRecord(kind, body);
  }

  /** Deletes the stock (with its shards), history and reservations; the outbox stays. */
  async drop(): Promise<void> {
    const keys = (await this.#scanAll()).filter(
      (item) => item.PK.startsWith('PRODUCT#') || item.PK.startsWith('RESERVATION#'),
    );
    for (let start = 0; start < keys.length; start += 25) {
      let pending: Record<string, unknown>[] = keys
        .slice(start, start + 25)
        .map((key) => ({ DeleteRequest: { Key: { PK: key.PK, SK: key.SK } } }));
      for (let round = 0; pending.length > 0; round++) {
        if (round > 0) await backoff(round);
        const result = await this.#documents.send(
          new BatchWriteCommand({ RequestItems: { [this.#tableName]: pending } }),
        );
        pending = result.UnprocessedItems?.[this.#tableName] ?? [];
      }
    }
  }

  #itemKey(kind: InventoryKind, key: string): ItemKey {
    if (kind === 'stock') return stockKey(key);
    if (kind === 'reservations') return reservationKey(key);
    const { sku, stockVersion } = parseAdjustmentKey(key);
    return { PK: `PRODUCT#${sku}`, SK: `${ADJUSTMENT_PREFIX}${String(stockVersion).padStart(12, '0')}` };
  }

  /** Every item's key (and status, for reservations), by a consistent scan. */
  async #scanAll(): Promise<{ PK: string; SK: string; status?: string }[]> {
    const items: { PK: string; SK: string; status?: string }[] = [];
    const pages = pagesOf((start) =>
      this.#documents.send(
        new ScanCommand({
          TableName: this.#tableName,
          ConsistentRead: true,
          ProjectionExpression: 'PK, SK, #s',
          ExpressionAttributeNames: { '#s': 'status' },
          ...startingAt(start),
        }),
      ),
    );
    for await (const page of pages) {
      items.push(...((page.Items ?? []) as { PK: string; SK: string; status?: string }[]));
    }
    return items;
  }

  /** Up to `limit` stock or reservation keys after `after` (all when undefined), in key order. */
  async #indexed(
    kind: 'stock' | 'reservations',
    after: string | undefined,
    limit: number,
  ): Promise<KeyedItem[]> {
    return (await this.#indexedKeys(INDEXED[kind], after, limit)).map((key) => ({
      key,
      item: this.#itemKey(kind, key),
    }));
  }

  /**
   * Up to `limit` keys of the key index's `kind` beyond `from` (exclusive; from either end when
   * undefined), in code-point order or its reverse: each shard queried from there, merged.
   */
  async #indexedKeys(
    kind: KeyedKind,
    from: string | undefined,
    limit: number,
    order: 'ascending' | 'descending' = 'ascending',
  ): Promise<string[]> {
    const ascending = order === 'ascending';
    const shards = await Promise.all(
      Array.from({ length: KEY_SHARDS }, async (_, shard) => {
        const keys: string[] = [];
        const pages = pagesOf((start) =>
          this.#documents.send(
            new QueryCommand({
              TableName: this.#tableName,
              IndexName: KEY_INDEX,
              KeyConditionExpression: `keyShard = :shard${from === undefined ? '' : ` AND keyOrder ${ascending ? '>' : '<'} :from`}`,
              ExpressionAttributeValues: {
                ':shard': `${kind}#${shard}`,
                ...(from === undefined ? {} : { ':from': from }),
              },
              ScanIndexForward: ascending,
              Limit: limit - keys.length,
              ...startingAt(start),
            }),
          ),
        );
        for await (const page of pages) {
          keys.push(...(page.Items ?? []).map((item) => String(item.keyOrder)));
          if (keys.length >= limit) break;
        }
        return keys;
      }),
    );
    const merged = shards.flat().sort(compareCodePoints);
    return (ascending ? merged : merged.reverse()).slice(0, limit);
  }

  /**
   * Up to `limit` history keys after `after` (all when undefined), in key order: the rest of `after`'s
   * SKU, then the SKUs after it in the key index, each one's partition in stock-version order.
   */
  async #historyKeys(after: string | undefined, limit: number): Promise<KeyedItem[]> {
    const keys: KeyedItem[] = [];
    let sku: string | undefined;
    if (after !== undefined) {
      const { sku: last, stockVersion } = parseAdjustmentKey(after);
      keys.push(...(await this.#historyOf(last, stockVersion + 1, limit)));
      sku = last;
    }
    while (keys.length < limit) {
      const listed = Math.min(limit, LISTED_SKUS);
      const skus = await this.#indexedKeys('STOCK', sku, listed);
      for (const next of skus) {
        keys.push(...(await this.#historyOf(next, 0, limit - keys.length)));
        if (keys.length >= limit) return keys;
      }
      if (skus.length < listed) break;
      sku = skus.at(-1);
    }
    return keys;
  }

  /** Up to `limit` of the SKU's history keys for stock versions `from` to `to`, by a consistent `Query`. */
  async #historyOf(
    sku: string,
    from: number,
    limit: number,
    order: 'ascending' | 'descending' = 'ascending',
    to?: number,
  ): Promise<KeyedItem[]> {
    const sk = (version: number) => `${ADJUSTMENT_PREFIX}${String(Math.max(0, version)).padStart(12, '0')}`;
    const keys: KeyedItem[] = [];
    const pages = pagesOf((start) =>
      this.#documents.send(
        new QueryCommand({
          TableName: this.#tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': `PRODUCT#${sku}`,
            ':from': sk(from),
            // past every version's 12 digits when unbounded
            ':to': to === undefined ? `${ADJUSTMENT_PREFIX}\uffff` : sk(to),
          },
          ProjectionExpression: 'PK, SK',
          ScanIndexForward: order === 'ascending',
          ConsistentRead: true,
          ...(Number.isFinite(limit) ? { Limit: limit - keys.length } : {}),
          ...startingAt(start),
        }),
      ),
    );
    for await (const page of pages) {
      for (const item of (page.Items ?? []) as ItemKey[]) {
        const version = Number(item.SK.slice(ADJUSTMENT_PREFIX.length));
        keys.push({ key: adjustmentKeyOf(sku, version), item: { PK: item.PK, SK: item.SK } });
      }
      if (keys.length >= limit) break;
    }
    return keys;
  }

  /** The records at these keys, in the keys' order (missing ones left out). */
  async #readItems(kind: InventoryKind, keys: readonly KeyedItem[]): Promise<MigrationRecord[]> {
    if (keys.length === 0) return [];
    const items = await batchGetItems<Record<string, unknown> & ItemKey>(
      this.#documents,
      this.#tableName,
      keys.map((entry) => entry.item),
      { consistent: true },
    );
    const found = new Map(items.map((item) => [`${item.PK}\u0000${item.SK}`, item]));
    const ordered = keys
      .map((entry) => ({ key: entry.key, item: found.get(`${entry.item.PK}\u0000${entry.item.SK}`) }))
      .filter((entry): entry is { key: string; item: Record<string, unknown> & ItemKey } => !!entry.item);
    switch (kind) {
      case 'stock': {
        const stock = ordered.map((entry) => entry.item as unknown as StockItem);
        const parts = await readParts(this.#documents, this.#tableName, stock, 'snapshot');
        return stock.map((item) => {
          const sharded = parts.get(item.sku);
          return stockRecord(toStockLevel(sharded ? sumParts(sharded.stock, sharded.parts) : item));
        });
      }
      case 'reservations':
        return ordered
          .map((entry) => entry.item as unknown as ReservationRecord)
          .filter((record) => !isInCreation(record))
          .map((record) => reservationRecord(toReservation(record)));
      case 'adjustments':
        return ordered.map((entry) =>
          adjustmentRecord(
            toAdjustment(entry.item as unknown as AdjustmentItem),
            parseAdjustmentKey(entry.key).stockVersion,
          ),
        );
    }
  }

  /**
   * The records' conditional writes (distinct keys) as one `TransactWriteItems`: one round trip for
   * what was one each, each write keeping its condition. Per record: written (`true`), not written
   * because its item is as new or newer (`false`), or to be written alone (`undefined`: the group was
   * cancelled by another record's condition or a conflict, or a stock item failed its condition —
   * sharded, or newer; `#upsertStock` tells which).
   */
  async #upsertTogether(
    kind: InventoryKind,
    records: readonly MigrationRecord[],
    force: boolean,
  ): Promise<(boolean | undefined)[]> {
    if (records.length === 1) return [undefined];
    const actions = records.map((record) =>
      kind === 'stock'
        ? { Update: this.#stockUpdate(record, force) }
        : {
            Put:
              kind === 'reservations'
                ? this.#reservationPut(record, force)
                : this.#adjustmentPut(record, force),
          },
    );
    try {
      await this.#documents.send(new TransactWriteCommand({ TransactItems: actions }));
      return records.map(() => true);
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      return records.map((_, n) =>
        kind !== 'stock' && reasons[n]?.Code === 'ConditionalCheckFailed' ? false : undefined,
      );
    }
  }

  /** One record's conditional write, in its own round trip. */
  async #upsertAlone(kind: InventoryKind, record: MigrationRecord, force: boolean): Promise<boolean> {
    if (kind === 'stock') return this.#upsertStock(record, force);
    return this.#putIfNewer(
      kind === 'reservations' ? this.#reservationPut(record, force) : this.#adjustmentPut(record, force),
    );
  }

  /** A conditional `Put`: false if its condition failed (the item there is as new or newer). */
  async #putIfNewer(put: ItemPut): Promise<boolean> {
    try {
      await this.#documents.send(new PutCommand(put));
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /**
   * The `Update` of a non-sharded SKU to the record's absolute counts, if the stored version is lower
   * (or no item is there); it fails its condition on a sharded SKU.
   */
  #stockUpdate(record: MigrationRecord, force: boolean): ItemUpdate {
    const level = record.body as StockLevel;
    const listed = keyAttributes('STOCK', level.sku);
    return {
      TableName: this.#tableName,
      Key: stockKey(level.sku),
      UpdateExpression:
        'SET #sku = :sku, #q = :q, #r = :r, #a = :a, #v = :v, #u = :u, keyShard = :ks, keyOrder = :ko',
      ConditionExpression: force
        ? 'attribute_not_exists(#n)'
        : 'attribute_not_exists(PK) OR (attribute_not_exists(#n) AND #v < :v)',
      ExpressionAttributeNames: {
        '#sku': 'sku',
        '#q': 'quantity',
        '#r': 'reserved',
        '#a': 'available',
        '#v': 'version',
        '#u': 'updatedAt',
        '#n': 'shards',
      },
      ExpressionAttributeValues: {
        ':sku': level.sku,
        ':q': level.quantity,
        ':r': level.reserved,
        ':a': level.quantity - level.reserved,
        ':v': record.version,
        ':u': new Date(level.updatedAt).toISOString(),
        ':ks': listed.keyShard,
        ':ko': listed.keyOrder,
      },
    };
  }

  async #upsertStock(record: MigrationRecord, force: boolean): Promise<boolean> {
    const level = record.body as StockLevel;
    const target = {
      sku: level.sku,
      quantity: level.quantity,
      reserved: level.reserved,
      available: level.quantity - level.reserved,
      version: record.version,
      updatedAt: new Date(level.updatedAt).toISOString(),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        // one item (not sharded): the absolute counts, if the stored version is lower; one request
        await this.#documents.send(new UpdateCommand(this.#stockUpdate(record, force)));
        return true;
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
      const [current] = await batchGetItems<StockItem>(
        this.#documents,
        this.#tableName,
        [stockKey(level.sku)],
        {
          consistent: true,
        },
      );
      if (current && (current.shards ?? 1) <= 1) {
        // a newer version there (not forced): nothing to write; else it was unsharded meanwhile
        if (!force && current.version >= record.version) return false;
        continue;
      }
      if (current) {
        try {
          const read = (await readParts(this.#documents, this.#tableName, [current], 'snapshot')).get(
            level.sku,
          );
          if (read) {
            if (!force && sumParts(read.stock, read.parts).version >= record.version) return false;
            await this.#documents.send(
              new TransactWriteCommand({ TransactItems: this.#shardedPuts(read.stock, read.parts, target) }),
            );
            return true;
          }
        } catch (error) {
          // a part moved under the copy: read again
          if (!(error instanceof TransactionCanceledException)) throw error;
        }
      }
      if (attempt >= STOCK_COPY_ATTEMPTS) {
        throw new Error(`the stock of ${level.sku} kept changing under its copy`);
      }
      await backoff(attempt);
    }
  }

  /** Puts taking a sharded SKU's parts to `target`'s absolute counts, each pinned to its version read. */
  #shardedPuts(
    stock: StockItem,
    parts: readonly StockPart[],
    target: { quantity: number; reserved: number; available: number; version: number; updatedAt: string },
  ): NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> {
    const spread = evenSpread(
      target.available,
      parts.map((part) => part.available),
    );
    return parts.map((part, shard) => {
      const reserved = shard === 0 ? target.reserved : 0;
      const counts = { quantity: reserved + spread[shard]!, reserved, available: spread[shard]! };
      const item =
        shard === 0
          ? {
              ...stockKey(stock.sku),
              sku: stock.sku,
              ...counts,
              version: target.version,
              updatedAt: target.updatedAt,
              shards: parts.length,
              ...(stock.outboxKey ? { outboxKey: stock.outboxKey } : {}),
              ...keyAttributes('STOCK', stock.sku),
            }
          : {
              ...shardKey(stock.sku, part.shard),
              sku: stock.sku,
              shard: part.shard,
              ...counts,
              version: 0,
              updatedAt: target.updatedAt,
            };
      return {
        Put: {
          TableName: this.#tableName,
          Item: item,
          ConditionExpression: '#v = :read',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':read': part.version },
        },
      };
    });
  }

  /** The reservation's `Put`, if the stored one is behind in status (or none is there). */
  #reservationPut(record: MigrationRecord, force: boolean): ItemPut {
    const reservation = record.body as Reservation;
    const expiresAt = new Date(reservation.expiresAt);
    const item: ReservationRecord = {
      ...reservationKey(reservation.id),
      id: reservation.id,
      status: reservation.status,
      items: reservation.items.map((entry) => ({ sku: entry.sku, quantity: entry.quantity })),
      ttlSeconds: reservation.ttlSeconds,
      expiresAt: expiresAt.toISOString(),
      createdAt: new Date(reservation.createdAt).toISOString(),
      updatedAt: new Date(reservation.updatedAt).toISOString(),
      ttl: Math.floor(expiresAt.getTime() / 1000) + RESERVATION_RETENTION_SECONDS,
      ...keyAttributes('RESERVATION', reservation.id),
      // an active reservation is the reaper's at its expiry, once this store is the source of truth
      ...(reservation.status === 'active' ? expiryAttributes(reservation.id, expiresAt) : {}),
    };
    const below = statusesBelow(reservation.status);
    return {
      TableName: this.#tableName,
      Item: item,
      ...(force
        ? {}
        : {
            ConditionExpression: below.length
              ? `attribute_not_exists(PK) OR #s IN (${below.map((_, i) => `:s${i}`).join(', ')})`
              : 'attribute_not_exists(PK)',
            ...(below.length
              ? {
                  ExpressionAttributeNames: { '#s': 'status' },
                  ExpressionAttributeValues: Object.fromEntries(below.map((status, i) => [`:s${i}`, status])),
                }
              : {}),
          }),
    };
  }

  /** The history entry's `Put`, if none is there. */
  #adjustmentPut(record: MigrationRecord, force: boolean): ItemPut {
    const adjustment = record.body as StockAdjustment;
    const { sku, stockVersion } = parseAdjustmentKey(record.key);
    const item = adjustmentItem(sku, stockVersion, {
      kind: adjustment.kind,
      delta: adjustment.delta,
      quantityAfter: adjustment.quantityAfter,
      reason: adjustment.reason,
      actor: adjustment.actor,
      reservationId: adjustment.reservationId,
      at: new Date(adjustment.at).toISOString(),
    });
    return {
      TableName: this.#tableName,
      Item: item,
      ...(force ? {} : { ConditionExpression: 'attribute_not_exists(PK)' }),
    };
  }
}
