import type { EventEnvelope } from '@polyshop/kernel';
import { appendBatchToOutbox } from './outbox-batch.ts';
import type { SqlExecutor } from './sql-database.ts';

/**
 * Tables every PostgreSQL service gets in its own schema (applied by `migrate` as version 0000):
 * the transactional outbox, the inbox of events already handled per consumer, and dead letters.
 */
export function messagingMigration(schema: string) {
  return {
    version: '0000',
    name: 'messaging',
    sql: `
CREATE TABLE ${schema}.outbox (
  seq bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  type text NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_id text NOT NULL,
  envelope jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON ${schema}.outbox (seq) WHERE published_at IS NULL;
-- One relay of the schema publishes at a time: it holds this lease while it reads, publishes and
-- marks a batch (outside any transaction, so in-process handlers can write meanwhile).
CREATE TABLE ${schema}.outbox_relay_lease (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE TABLE ${schema}.inbox (
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
CREATE TABLE ${schema}.dead_letters (
  id bigserial PRIMARY KEY,
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  envelope jsonb NOT NULL,
  error text NOT NULL,
  attempts integer NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now(),
  replayed_at timestamptz,
  UNIQUE (consumer, event_id)
);`,
  };
}

/**
 * Writes events to the service's outbox (several in one statement). Call it with the transaction that
 * makes the change, so the events exist if and only if the change committed.
 */
export async function appendToOutbox(
  tx: SqlExecutor,
  schema: string,
  events: readonly EventEnvelope[],
): Promise<void> {
  if (events.length > 1) return appendBatchToOutbox(tx, schema, events);
  for (const event of events) {
    await tx.query(
      `INSERT INTO ${schema}.outbox (event_id, type, aggregate_type, aggregate_id, envelope) VALUES ($1, $2, $3, $4, $5)`,
      [event.id, event.type, event.aggregateType, event.aggregateId, JSON.stringify(event)],
    );
  }
}
