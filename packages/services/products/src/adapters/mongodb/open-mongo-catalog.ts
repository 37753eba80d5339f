import type { ServiceContext } from '@polyshop/http';
import { MongoOutboxRelay } from '@polyshop/stores';
import { MongoProductRepository } from './mongo-product-repository.ts';

/**
 * The catalog on the shared MongoDB connection (`MONGODB_URL`): collections `products`,
 * `categories` and `outbox` in its database, indexes created (idempotently) before use, and the relay
 * that publishes the outbox to the bus (its lag reported to the metrics).
 */
export async function openMongoCatalog(
  context: Pick<ServiceContext, 'mongodb' | 'bus' | 'logger' | 'metrics'>,
) {
  const connection = await context.mongodb();
  const repository = new MongoProductRepository(connection);
  await repository.ensureIndexes();
  const { outbox } = repository;
  context.metrics?.outboxLag('mongodb', outbox.collection.namespace, () => outbox.oldestUnpublished());
  const relay = new MongoOutboxRelay({
    outbox: repository.outbox,
    publisher: context.bus,
    logger: context.logger,
  });
  return { repository, relay, ping: () => connection.ping() };
}
