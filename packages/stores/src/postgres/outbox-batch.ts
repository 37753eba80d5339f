import type { EventEnvelope } from '@polyshop/kernel';
import type { SqlExecutor } from './sql-database.ts';

/**
 * The statement that appends the events of a JSON array parameter (`param`, e.g. `$1`) to a service's
 * outbox, in array order. `guard` names one more relation the rows are joined with: a CTE of zero
 * or one row makes the insert happen only if an earlier part of the same statement did.
 */
export function outboxInsertFromJson(schema: string, param: string, guard?: string): string {
  return `INSERT INTO ${schema}.outbox (event_id, type, aggregate_type, aggregate_id, envelope)
     SELECT (e.value ->> 'id')::uuid, e.value ->> 'type', e.value ->> 'aggregateType', e.value ->> 'aggregateId', e.value
     FROM jsonb_array_elements(${param}::jsonb) WITH ORDINALITY AS e(value, position)${guard ? `, ${guard}` : ''}
     ORDER BY e.position`;
}

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
  await tx.query(outboxInsertFromJson(schema, '$1'), [JSON.stringify(events)]);
}
