import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope, EventPublisher, Logger } from '@polyshop/kernel';
import { OUTBOX_EVENTS_PREFIX, OUTBOX_PARTITION, RELAY_LEASE_KEY, type OutboxItem } from './dynamo-outbox.ts';

export interface DynamoOutboxRelayOptions {
  documents: DynamoDBDocumentClient;
  tableName: string;
  publisher: EventPublisher;
  logger: Logger;
  /** Poll interval when idle; `wake()` publishes sooner. Default 250 ms. */
  intervalMs?: number;
  /** Outbox items read per batch (each holds the events of one write). Default 25. */
  batchSize?: number;
  /** How long the publishing lease lasts without renewal (a crashed relay's successor waits this long). Default 15 s. */
  leaseMs?: number;
}

/**
 * Publishes the inventory table's outbox (see `dynamo-outbox.ts`) with the semantics of the
 * PostgreSQL `OutboxRelay`: in outbox-key order, one event at a time, deleting an outbox item once all
 * its events reached the bus (at-least-once: a crash in between republishes them; consumers
 * de-duplicate on the event id). One relay per table publishes at a time: it holds a lease item,
 * renewed every batch, taken over only after it expired. Reads are strongly consistent, so an item is
 * never skipped for one written after it to the same SKU.
 */
export class DynamoOutboxRelay {
  readonly #options: Required<Omit<DynamoOutboxRelayOptions, 'logger'>> & { logger: Logger };
  readonly #holder = randomUUID();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;

  constructor(options: DynamoOutboxRelayOptions) {
    this.#options = { intervalMs: 250, batchSize: 25, leaseMs: 15_000, ...options };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Publish now (call after a write that recorded events). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  /** Publishes everything pending, then resolves to the number of events published (0 while another relay holds the lease). */
  async flush(): Promise<number> {
    await this.#running;
    let total = 0;
    for (;;) {
      const batch = await this.#publishBatch();
      total += batch.published;
      if (!batch.more) return total;
    }
  }

  /** Stops publishing and hands the lease back, so another relay can take over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
    const { documents, tableName } = this.#options;
    await documents
      .send(new DeleteCommand({ TableName: tableName, Key: RELAY_LEASE_KEY, ConditionExpression: 'holder = :me', ExpressionAttributeValues: { ':me': this.#holder } }))
      .catch(() => undefined);
  }

  #schedule(delay: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), delay);
    this.#timer.unref();
  }

  #tick(): void {
    if (this.#running || this.#stopped) return;
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          while ((await this.#publishBatch()).more && !this.#stopped);
        } while (this.#again && !this.#stopped);
      } catch (error) {
        this.#options.logger.warn({ err: error, table: this.#options.tableName }, 'dynamodb outbox relay: publish failed, will retry');
      } finally {
        this.#running = undefined;
        if (!this.#stopped) this.#schedule(this.#options.intervalMs);
      }
    })();
  }

  /** Takes or renews the lease; false while another relay holds an unexpired one. */
  async #lease(): Promise<boolean> {
    const { documents, tableName, leaseMs } = this.#options;
    const now = Date.now();
    try {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...RELAY_LEASE_KEY, holder: this.#holder, expiresAt: now + leaseMs },
          ConditionExpression: 'attribute_not_exists(PK) OR holder = :me OR expiresAt < :now',
          ExpressionAttributeValues: { ':me': this.#holder, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** One batch in key order; `more` when a full batch went through (there may be more to do now). */
  async #publishBatch(): Promise<{ published: number; more: boolean }> {
    const { documents, tableName, publisher, batchSize } = this.#options;
    if (!(await this.#lease())) return { published: 0, more: false };
    const { Items = [] } = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': OUTBOX_PARTITION, ':prefix': OUTBOX_EVENTS_PREFIX },
        ConsistentRead: true,
        Limit: batchSize,
      }),
    );
    let published = 0;
    for (const item of Items as OutboxItem[]) {
      const events = JSON.parse(item.events) as EventEnvelope[];
      let next = item.published ?? 0;
      try {
        for (; next < events.length; next++) {
          await publisher.publish(events[next]!);
          published += 1;
        }
      } finally {
        const key = { PK: item.PK, SK: item.SK };
        if (next >= events.length) {
          await documents.send(new DeleteCommand({ TableName: tableName, Key: key }));
        } else if (next > (item.published ?? 0)) {
          // remember what reached the bus, so a retry republishes fewer events
          await documents.send(
            new UpdateCommand({
              TableName: tableName,
              Key: key,
              UpdateExpression: 'SET published = :n',
              ConditionExpression: 'attribute_exists(PK)',
              ExpressionAttributeValues: { ':n': next },
            }),
          ).catch((error: unknown) => {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
          });
        }
      }
    }
    return { published, more: Items.length === batchSize };
  }
}
