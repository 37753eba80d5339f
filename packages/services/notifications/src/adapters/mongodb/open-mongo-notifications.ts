import type { ServiceContext } from '@polyshop/http';
import { MongoNotificationRepository } from './mongo-notification-repository.ts';

/**
 * The notification repository on the shared MongoDB connection (`MONGODB_URL`), its indexes created
 * (idempotently) before use.
 */
export async function openMongoNotifications(
  context: Pick<ServiceContext, 'mongodb'>,
): Promise<MongoNotificationRepository> {
  const repository = new MongoNotificationRepository(await context.mongodb());
  await repository.ensureIndexes();
  return repository;
}
