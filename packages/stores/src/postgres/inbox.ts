import type { EventEnvelope } from '@polyshop/kernel';
import type { SqlDatabase, SqlExecutor } from './sql-database.ts';

/**
 * Runs a consumer's handling of one event at most once: the inbox row and the handler's writes
 * commit together, so a redelivered event (same id) is skipped. Returns false when it was a duplicate.
 */
export async function handleOnce(
  db: SqlDatabase,
  schema: string,
  consumer: string,
  event: EventEnvelope,
  handle: (tx: SqlExecutor) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const inserted = await tx.execute(
      `INSERT INTO ${schema}.inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [consumer, event.id],
    );
    if (inserted === 0) return false;
    await handle(tx);
    return true;
  });
}
