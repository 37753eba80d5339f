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
import type { MigrationRecord, MigrationSide, UpsertOptions } from '@polyshop/migration';
import type { Reservation } from '../../domain/reservation.ts';
import type { StockAdjustment, StockLevel } from '../../domain/stock-level.ts';
import { evenSpread } from '../../domain/stock-shards.ts';
import { batchGetItems } from '../dynamodb/dynamo-batch-get.ts';
import {
  ADJUSTMENT_PREFIX,
  adjustmentItem,
  expiryAttributes,
  isInCreation,
  RESERVATION_RETENTION_SECONDS,
  reservationKey,
  stockKey,
  toAdjustment,
  toReservation,
  toStockLevel,
  type AdjustmentItem,
  type ItemKey,
  type ReservationRecord,
  type StockItem,
} from '../dynamodb/dynamo-inventory-items.ts';
import { backoff } from '../dynamodb/dynamo-retry.ts';
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

interface KeyedItem {
  key: string;
  item: ItemKey;
}

const byKey = (a: KeyedItem, b: KeyedItem) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

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
 *
 * Key order: the table has no global order, so a scan lists the keys of the kind (a consistent
 * `Scan` projecting the keys), sorts them and reads the page. Each page scans the table's keys.
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
    const keys = (await this.#keys(k)).filter((entry) => after === undefined || entry.key > after);
    return this.#readItems(k, keys.slice(0, limit));
  }

  async lastKey(kind: string): Promise<string | undefined> {
    return (await this.#keys(inventoryKind(kind))).at(-1)?.key;
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
    const written: string[] = [];
    for (const record of records) {
      const wrote =
        k === 'stock'
          ? await this.#upsertStock(record, force)
          : k === 'reservations'
            ? await this.#upsertReservation(record, force)
            : await this.#upsertAdjustment(record, force);
      if (wrote) written.push(record.key);
    }
    return written;
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
      }
      await this.#documents.send(
        new DeleteCommand({ TableName: this.#tableName, Key: this.#itemKey(k, key) }),
      );
    }
  }

  async count(kind: string): Promise<number> {
    return (await this.#keys(inventoryKind(kind))).length;
  }

  /** The keys of the SKU's history entries made by stock versions `from` to `to` (what writes just added, to copy). */
  async adjustmentKeysBetween(sku: string, from: number, to: number): Promise<string[]> {
    const sk = (version: number) => `${ADJUSTMENT_PREFIX}${String(Math.max(0, version)).padStart(12, '0')}`;
    const { Items = [] } = await this.#documents.send(
      new QueryCommand({
        TableName: this.#tableName,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': `PRODUCT#${sku}`, ':from': sk(from), ':to': sk(to) },
        ProjectionExpression: 'SK',
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => adjustmentKeyOf(sku, Number(String(item.SK).slice(ADJUSTMENT_PREFIX.length))));
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
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.#documents.send(
        new ScanCommand({
          TableName: this.#tableName,
          ConsistentRead: true,
          ProjectionExpression: 'PK, SK, #s',
          ExpressionAttributeNames: { '#s': 'status' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...((page.Items ?? []) as { PK: string; SK: string; status?: string }[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** The keys of `kind`, in code-point order. */
  async #keys(kind: InventoryKind): Promise<KeyedItem[]> {
    const keyed: KeyedItem[] = [];
    for (const item of await this.#scanAll()) {
      const key = { PK: item.PK, SK: item.SK };
      if (kind === 'stock' && item.SK === 'INVENTORY') {
        keyed.push({ key: item.PK.slice('PRODUCT#'.length), item: key });
      } else if (kind === 'adjustments' && item.SK.startsWith(ADJUSTMENT_PREFIX)) {
        const sku = item.PK.slice('PRODUCT#'.length);
        keyed.push({ key: adjustmentKeyOf(sku, Number(item.SK.slice(ADJUSTMENT_PREFIX.length))), item: key });
      } else if (
        kind === 'reservations' &&
        item.SK === 'RESERVATION' &&
        item.status !== 'pending' &&
        item.status !== 'aborting'
      ) {
        keyed.push({ key: item.PK.slice('RESERVATION#'.length), item: key });
      }
    }
    return keyed.sort(byKey);
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
        await this.#documents.send(
          new UpdateCommand({
            TableName: this.#tableName,
            Key: stockKey(level.sku),
            UpdateExpression: 'SET #sku = :sku, #q = :q, #r = :r, #a = :a, #v = :v, #u = :u',
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
              ':sku': target.sku,
              ':q': target.quantity,
              ':r': target.reserved,
              ':a': target.available,
              ':v': target.version,
              ':u': target.updatedAt,
            },
          }),
        );
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

  async #upsertReservation(record: MigrationRecord, force: boolean): Promise<boolean> {
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
      // an active reservation is the reaper's at its expiry, once this store is the source of truth
      ...(reservation.status === 'active' ? expiryAttributes(reservation.id, expiresAt) : {}),
    };
    const below = statusesBelow(reservation.status);
    try {
      await this.#documents.send(
        new PutCommand({
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
                      ExpressionAttributeValues: Object.fromEntries(
                        below.map((status, i) => [`:s${i}`, status]),
                      ),
                    }
                  : {}),
              }),
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async #upsertAdjustment(record: MigrationRecord, force: boolean): Promise<boolean> {
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
    try {
      await this.#documents.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: item,
          ...(force ? {} : { ConditionExpression: 'attribute_not_exists(PK)' }),
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
