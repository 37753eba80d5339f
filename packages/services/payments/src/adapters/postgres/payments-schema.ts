import { fileURLToPath } from 'node:url';
import { migrate, type MigrateResult, type SqlDatabase } from '@polyshop/stores';

/** The PostgreSQL schema the payment service owns. */
export const PAYMENTS_SCHEMA = 'payments';

const directory = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** Applies the payment migrations (and the outbox/inbox tables) to `db`. */
export function migratePayments(db: SqlDatabase): Promise<MigrateResult> {
  return migrate(db, { schema: PAYMENTS_SCHEMA, directory });
}
