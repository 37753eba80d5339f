import { fileURLToPath } from 'node:url';
import type { EventPublisher, Logger } from '@polyshop/kernel';
import { fingerprintKeyLoader, migrate, OutboxRelay, type SqlDatabase } from '@polyshop/stores';
import { PostgresOrderRepository } from './adapters/postgres/postgres-order-repository.ts';
import type { OrderEventRelay } from './ports/order-event-relay.ts';
import type { OrderRepository } from './ports/order-repository.ts';

/** The PostgreSQL schema the order service owns. */
export const ORDERS_SCHEMA = 'orders';
const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));

/** Where orders keep their data: the repository and, given a publisher, the relay publishing its outbox. */
export interface OrdersStorage {
  repository: OrderRepository;
  relay?: OrderEventRelay;
  /** The key of the checkout fingerprints (`orders.fingerprint_key`, read once). */
  fingerprintKey: () => Promise<Uint8Array>;
}

/**
 * The order service's storage on `db`: schema `orders` migrated, the PostgreSQL repository, and the
 * outbox relay when there is a `publisher` (the platform's bus; without it events stay in the outbox).
 */
export async function openOrdersStorage(
  db: SqlDatabase,
  options: { logger: Logger; publisher?: EventPublisher },
): Promise<OrdersStorage> {
  await migrate(db, { schema: ORDERS_SCHEMA, directory: MIGRATIONS });
  const repository = new PostgresOrderRepository(db);
  const fingerprintKey = fingerprintKeyLoader(db, ORDERS_SCHEMA);
  if (!options.publisher) return { repository, fingerprintKey };
  return {
    repository,
    fingerprintKey,
    relay: new OutboxRelay({
      db,
      schema: ORDERS_SCHEMA,
      publisher: options.publisher,
      logger: options.logger,
    }),
  };
}
