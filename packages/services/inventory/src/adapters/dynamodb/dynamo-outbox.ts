import { randomBytes } from 'node:crypto';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '@polyshop/kernel';
import type { ItemKey } from './dynamo-inventory-items.ts';

/**
 * The outbox in the inventory table: each write that records events puts one outbox item (all its
 * events, in order) in the same `TransactWriteItems` as the change, so the events exist if and only if
 * the change happened. `DynamoOutboxRelay` publishes them in key order and deletes them.
 *
 * All outbox items share the partition `OUTBOX` so that one consistent `Query` reads them in order.
 * (One partition takes about 1,000 writes a second; beyond that, shard the outbox by SKU: a SKU's
 * events must stay in one shard to stay in order.)
 */
export const OUTBOX_PARTITION = 'OUTBOX';
export const OUTBOX_EVENTS_PREFIX = 'EVENTS#';
export const RELAY_LEASE_KEY: ItemKey = { PK: OUTBOX_PARTITION, SK: 'RELAY' };

/** An outbox item: the events of one write, and how many of them were already published. */
export interface OutboxItem extends ItemKey {
  /** The events as JSON (an array of envelopes, in the order the write recorded them). */
  events: string;
  count: number;
  /** Set when a publish failed part-way: the first `published` events reached the bus. */
  published?: number;
}

/** DynamoDB's largest item is 400 KB; an outbox item stays well below it. */
const MAX_OUTBOX_ITEM_BYTES = 350_000;

/**
 * The key of a write's outbox item. It orders the outbox: a write's key is greater than the key of
 * the last write to each SKU it touches (read with the stock it is pinned to, `previous`), so the
 * events of one SKU are published in the order of its versions even when the clocks of two
 * processes disagree (a hybrid logical clock: wall-clock milliseconds, then a counter). The random
 * tail keeps keys of concurrent writes to other SKUs distinct.
 */
export function nextOutboxKey(previous: readonly (string | undefined)[], nowMs: number = Date.now()): string {
  let latest = '';
  for (const key of previous) if (key !== undefined && key > latest) latest = key;
  const [lastMs, lastCounter] = latest ? latest.split('.').map(Number) : [0, 0];
  const [ms, counter] = nowMs > lastMs! ? [nowMs, 0] : [lastMs!, lastCounter! + 1];
  return `${String(ms).padStart(15, '0')}.${String(counter).padStart(6, '0')}.${randomBytes(4).toString('hex')}`;
}

/** The outbox item holding `events` under `key`. */
export function outboxItem(key: string, events: readonly EventEnvelope[]): OutboxItem {
  const json = JSON.stringify(events);
  if (Buffer.byteLength(json) > MAX_OUTBOX_ITEM_BYTES) {
    throw new Error(
      `the ${events.length} events of one write exceed an outbox item (${Buffer.byteLength(json)} bytes)`,
    );
  }
  return { PK: OUTBOX_PARTITION, SK: `${OUTBOX_EVENTS_PREFIX}${key}`, events: json, count: events.length };
}

/**
 * When the oldest outbox item still in the table was written (the relay deletes an item once all its
 * events are published), from its key's milliseconds; undefined when none waits. One `Query` of one
 * item at the head of the outbox partition.
 */
export async function oldestOutboxWrite(
  documents: DynamoDBDocumentClient,
  tableName: string,
): Promise<Date | undefined> {
  const { Items } = await documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :events)',
      ExpressionAttributeValues: { ':pk': OUTBOX_PARTITION, ':events': OUTBOX_EVENTS_PREFIX },
      ProjectionExpression: 'SK',
      Limit: 1,
    }),
  );
  const key = (Items?.[0] as ItemKey | undefined)?.SK.slice(OUTBOX_EVENTS_PREFIX.length);
  const ms = key === undefined ? NaN : Number(key.split('.')[0]);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
