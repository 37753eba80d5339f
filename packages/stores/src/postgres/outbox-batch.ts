import type { EventEnvelope } from '@polyshop/kernel';
import type { SqlExecutor } from './sql-database.ts';

/**
 * Writes many events to the service's outbox in one statement (bulk loads: thousands of events per
 * transaction). Same rows and order as `appendToOutbox`; call it with the transaction of the change.
 */
export async function appendBatchToOutbox(
  tx: SqlExecutor,
  schema: string,
  events: readonly EventEnvelope[],
): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO ${schema}.outbox (event_id, type, aggregate_type, aggregate_id, envelope)
     SELECT (e.value ->> 'id')::uuid, e.value ->> 'type', e.value ->> 'aggregateType', e.value ->> 'aggregateId', e.value
     FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(value, position) ORDER BY e.position`,
    [JSON.stringify(events)],
  );
}
