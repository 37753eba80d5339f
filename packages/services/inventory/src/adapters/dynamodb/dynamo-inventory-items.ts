import type { Reservation, ReservationItem, ReservationStatus } from '../../domain/reservation.ts';
import { countsOf, type StockAdjustment, type StockLevel } from '../../domain/stock-level.ts';

/**
 * The items of the inventory table (single-table design) and their mappers. Numbers are integers
 * (units, not money); times are ISO 8601 strings (UTC, fixed width, so they sort as strings).
 *
 * | item | PK | SK |
 * |---|---|---|
 * | stock of a SKU (its shard 0) | `PRODUCT#<sku>` | `INVENTORY` |
 * | shard `k` ≥ 1 of a sharded SKU | `PRODUCT#<sku>#SHARD#<k>` | `SHARD` |
 * | adjustment of a SKU | `PRODUCT#<sku>` | `ADJUSTMENT#<stock version, 12 digits>` |
 * | reservation | `RESERVATION#<id>` | `RESERVATION` |
 * | outbox entry (events of one write) | `OUTBOX` | `EVENTS#<outbox key>` |
 * | outbox relay lease | `OUTBOX` | `RELAY` |
 */

export interface ItemKey {
  PK: string;
  SK: string;
}

export const stockKey = (sku: string): ItemKey => ({ PK: `PRODUCT#${sku}`, SK: 'INVENTORY' });
export const adjustmentKey = (sku: string, version: number): ItemKey => ({
  PK: `PRODUCT#${sku}`,
  SK: `${ADJUSTMENT_PREFIX}${String(version).padStart(12, '0')}`,
});
export const reservationKey = (id: string): ItemKey => ({ PK: `RESERVATION#${id}`, SK: 'RESERVATION' });
export const ADJUSTMENT_PREFIX = 'ADJUSTMENT#';

/**
 * The stock of one SKU. `available = quantity - reserved` is stored so conditions can test it (no arithmetic
 * in conditions).
 */
export interface StockItem extends ItemKey {
  sku: string;
  quantity: number;
  reserved: number;
  available: number;
  version: number;
  updatedAt: string;
  /** The outbox key of the last write that changed this SKU (orders the outbox per SKU; see `nextOutboxKey`). */
  outboxKey?: string;
  /** The key index attributes (see `KEY_INDEX`); absent only on items written before it. */
  keyShard?: string;
  keyOrder?: string;
  /**
   * How many counters the SKU's stock is split over when it is sharded (2 or more; absent otherwise).
   * This item is then shard 0 and holds only its share; see `dynamo-stock-parts.ts`.
   */
  shards?: number;
}

/**
 * A `StockAdjustment` in the history, under its SKU's partition, keyed by the stock version it made;
 * `at` as a string.
 */
export interface AdjustmentItem extends ItemKey, Omit<StockAdjustment, 'at'> {
  at: string;
}

/** The history entry of the write that takes `sku` to `version` (optional fields only when set). */
export function adjustmentItem(
  sku: string,
  version: number,
  entry: Omit<AdjustmentItem, keyof ItemKey | 'id' | 'sku'>,
): AdjustmentItem {
  const { actor, reservationId, ...rest } = entry;
  return {
    ...adjustmentKey(sku, version),
    id: `${sku}:${version}`,
    sku,
    ...rest,
    ...(actor ? { actor } : {}),
    ...(reservationId ? { reservationId } : {}),
  };
}

/**
 * How a reservation item stands. The domain statuses, plus two that exist only while a reservation of
 * more SKUs than one transaction holds is being created in steps: `pending` (steps applied so far in
 * `progress`) and `aborting` (its steps being undone after a shortage or a crash).
 */
export type ReservationItemStatus = ReservationStatus | 'pending' | 'aborting';

export interface ReservationRecord extends ItemKey {
  id: string;
  status: ReservationItemStatus;
  items: ReservationItem[];
  ttlSeconds: number;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  /**
   * Epoch seconds after which DynamoDB may delete the item (long after it ended; see
   * `RESERVATION_RETENTION_SECONDS`).
   */
  ttl: number;
  /** Why its stock was returned, and by whom (status `returned`; a later step's history entries repeat them). */
  returnReason?: string;
  returnActor?: string;
  /** Steps done while the reservation is created, undone or ended in several transactions; absent otherwise. */
  progress?: number;
  /** The key index attributes (see `KEY_INDEX`); absent only on records written before it. */
  keyShard?: string;
  keyOrder?: string;
  /** The reaper's index (sparse): present while the reservation needs the reaper at `expiryKey`'s time. */
  expiryShard?: string;
  expiryKey?: string;
}

/** How long an ended reservation stays readable (idempotent replays) before DynamoDB's TTL may delete it. */
export const RESERVATION_RETENTION_SECONDS = 30 * 86_400;

/** The reaper's GSI: shards spread the writes of many reservations; the reaper queries each. */
export const EXPIRY_INDEX = 'reservations-by-expiry';
export const EXPIRY_SHARDS = 4;

/** Which of `shards` index shards `key` goes to (a stable hash of the key). */
function shardOf(key: string, shards: number): number {
  let hash = 0;
  for (const char of key) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % shards;
}

/** The reaper index attributes for a reservation that needs attention at `due`. */
export function expiryAttributes(id: string, due: Date): { expiryShard: string; expiryKey: string } {
  return { expiryShard: `EXPIRY#${shardOf(id, EXPIRY_SHARDS)}`, expiryKey: `${due.toISOString()}#${id}` };
}

/**
 * The key index (GSI, keys only): every SKU's stock item (its shard 0) and every reservation, under
 * `keyShard` (`STOCK#<n>` or `RESERVATION#<n>`, so no one index partition takes every new
 * reservation) sorted by `keyOrder` — the SKU or the reservation id, in code-point order (DynamoDB
 * sorts strings by their UTF-8 bytes). The migration side pages a kind in key order from it: a page
 * queries each shard from the key it starts after and merges them, instead of scanning the table.
 * History entries need no entry: each SKU's are its partition, sorted by stock version.
 */
export const KEY_INDEX = 'records-by-key';
export const KEY_SHARDS = 4;

/** The kinds of item the key index lists. */
export type KeyedKind = 'STOCK' | 'RESERVATION';

/** The key index attributes of the stock item of SKU `sku` or the reservation `id`. */
export function keyAttributes(kind: KeyedKind, key: string): { keyShard: string; keyOrder: string } {
  return { keyShard: `${kind}#${shardOf(key, KEY_SHARDS)}`, keyOrder: key };
}

export function toStockLevel(item: StockItem): StockLevel {
  return {
    sku: item.sku,
    ...countsOf(item.quantity, item.reserved),
    version: item.version,
    updatedAt: new Date(item.updatedAt),
  };
}

export function toAdjustment({ PK, SK, at, ...adjustment }: AdjustmentItem): StockAdjustment {
  return { ...adjustment, at: new Date(at) };
}

/** The domain reservation of a record whose status is a domain status. */
export function toReservation(record: ReservationRecord): Reservation {
  if (record.status === 'pending' || record.status === 'aborting') {
    throw new Error(`reservation ${record.id} is ${record.status}, not a reservation yet`);
  }
  return {
    id: record.id,
    status: record.status,
    items: record.items.map((item) => ({ sku: item.sku, quantity: item.quantity })),
    ttlSeconds: record.ttlSeconds,
    expiresAt: new Date(record.expiresAt),
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
  };
}

/** True while a reservation is still being created or undone in steps (not a reservation yet). */
export function isInCreation(record: ReservationRecord): boolean {
  return record.status === 'pending' || record.status === 'aborting';
}
