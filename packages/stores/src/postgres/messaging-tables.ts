import type { EventEnvelope } from '@polyshop/kernel';
import { defineTable, type DeclaredTable, type TableDefinition } from './table-rows.ts';

/** A row of `<schema>.schema_migrations`: one applied migration (written by `migrate`). */
export interface SchemaMigrationRow {
  version: string;
  name: string;
  checksum: string;
  applied_at: Date;
}

/** A row of `<schema>.outbox`: an event written in the transaction of its change, until relayed. */
export interface OutboxRow {
  seq: number;
  event_id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  envelope: EventEnvelope;
  created_at: Date;
  published_at: Date | null;
}

/** The one row of `<schema>.outbox_relay_lease`: which relay publishes the schema's outbox, until when. */
export interface OutboxRelayLeaseRow {
  id: number;
  holder: string;
  expires_at: Date;
}

/** A row of `<schema>.inbox`: an event a consumer has handled (redeliveries are skipped). */
export interface InboxRow {
  consumer: string;
  event_id: string;
  processed_at: Date;
}

/** A row of `<schema>.dead_letters`: an event a consumer gave up on. */
export interface DeadLetterRow {
  id: number;
  consumer: string;
  event_id: string;
  envelope: EventEnvelope;
  error: string;
  attempts: number;
  failed_at: Date;
  replayed_at: Date | null;
}

/** `<schema>.schema_migrations`, which `migrate` creates in every schema it migrates. */
export function schemaMigrationsTable(schema: string): TableDefinition<SchemaMigrationRow> {
  return defineTable<SchemaMigrationRow>()(schema, 'schema_migrations', [
    'version',
    'name',
    'checksum',
    'applied_at',
  ]);
}

/** The messaging tables `migrate` adds to a schema (`messagingMigration`). */
export function messagingTables(schema: string) {
  return {
    outbox: defineTable<OutboxRow>()(schema, 'outbox', [
      'seq',
      'event_id',
      'type',
      'aggregate_type',
      'aggregate_id',
      'envelope',
      'created_at',
      'published_at',
    ]),
    outboxRelayLease: defineTable<OutboxRelayLeaseRow>()(schema, 'outbox_relay_lease', [
      'id',
      'holder',
      'expires_at',
    ]),
    inbox: defineTable<InboxRow>()(schema, 'inbox', ['consumer', 'event_id', 'processed_at']),
    deadLetters: defineTable<DeadLetterRow>()(schema, 'dead_letters', [
      'id',
      'consumer',
      'event_id',
      'envelope',
      'error',
      'attempts',
      'failed_at',
      'replayed_at',
    ]),
  };
}

/**
 * Every table `migrate(db, { schema })` creates by itself: `schema_migrations`, and the messaging
 * tables unless `messaging: false`. A service's tables test adds its own declarations to these.
 */
export function migratedTables(schema: string, options: { messaging?: boolean } = {}): DeclaredTable[] {
  return [
    schemaMigrationsTable(schema),
    ...(options.messaging === false ? [] : Object.values(messagingTables(schema))),
  ];
}
