import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope, EventPublisher, Logger } from '@polyshop/kernel';
import { PollingRelay, type RelayBatch } from '@polyshop/stores';
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
  /**
   * How long the publishing lease lasts without renewal (a crashed relay's successor waits this long).
   * Default 15 s.
   */
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
export class DynamoOutboxRelay extends PollingRelay {
  readonly #options: Required<Omit<DynamoOutboxRelayOptions, 'logger'>> & { logger: Logger };
  readonly #holder = randomUUID();

  constructor(options: DynamoOutboxRelayOptions) {
    const resolved = { intervalMs: 250, batchSize: 25, leaseMs: 15_000, ...options };
    super(resolved);
    this.#options = resolved;
  }

  protected async releaseLease(): Promise<void> {
    const { documents, tableName } = this.#options;
    await documents
      .send(
        new DeleteCommand({
          TableName: tableName,
          Key: RELAY_LEASE_KEY,
          ConditionExpression: 'holder = :me',
          ExpressionAttributeValues: { ':me': this.#holder },
        }),
      )
      // Best effort: a lease not handed back expires on its own, it only delays the next relay.
      .catch(() => undefined);
  }

  protected describe(): Record<string, unknown> {
    return { table: this.#options.tableName };
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
  protected async publishBatch(): Promise<RelayBatch> {
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
          await documents
            .send(
              new UpdateCommand({
                TableName: tableName,
                Key: key,
                UpdateExpression: 'SET published = :n',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeValues: { ':n': next },
              }),
            )
            .catch((error: unknown) => {
              if (!(error instanceof ConditionalCheckFailedException)) throw error;
            });
        }
      }
    }
    return { published, more: Items.length === batchSize };
  }
}
