import { postgresTargets } from '@polyshop/testing';
import { migrateNotifications, PostgresNotificationRepository } from '../../src/adapters/postgres/postgres-notification-repository.ts';
import { notificationRepositoryContract } from './notification-repository.contract.ts';

for (const target of postgresTargets()) {
  notificationRepositoryContract(
    target.name,
    async () => {
      const db = await target.open();
      await migrateNotifications(db);
      return { repository: new PostgresNotificationRepository(db), close: () => target.close(db) };
    },
    { skip: target.skip },
  );
}
