import { mongoTarget, postgresTargets, type ServerTarget } from '@polyshop/testing';
import type { MongoConnection } from '@polyshop/stores';
import { MongoNotificationRepository } from '../../src/adapters/mongodb/mongo-notification-repository.ts';
import type { MongoInboxOptions } from '../../src/adapters/mongodb/mongo-notification-inbox.ts';
import {
  migrateNotifications,
  PostgresNotificationRepository,
} from '../../src/adapters/postgres/postgres-notification-repository.ts';
import type { NotificationRepository } from '../../src/ports/notification-repository.ts';

/** A fresh, empty notification repository on one store, and how to dispose of it. */
export interface OpenedRepository<R extends NotificationRepository = NotificationRepository> {
  repository: R;
  close(): Promise<void>;
}

/** One store the repository suites run on. */
export interface RepositoryTarget {
  name: string;
  /** A skip reason when the store is not available here (never under CI=true: that throws). */
  skip: string | false;
  open(): Promise<OpenedRepository>;
}

/**
 * The MongoDB wire-protocol test server (or another MongoDB-compatible one, `mongo`: FerretDB): a fresh
 * database per call,
 * indexes created as at start-up.
 */
export function mongoRepositoryTarget(
  options: { inbox?: MongoInboxOptions } = {},
  mongo: ServerTarget<MongoConnection> = mongoTarget(),
) {
  return {
    name: mongo.name,
    skip: mongo.skip,
    async open(): Promise<
      OpenedRepository<MongoNotificationRepository> & {
        connection: Awaited<ReturnType<typeof mongo.open>>['connection'];
      }
    > {
      const opened = await mongo.open();
      const repository = new MongoNotificationRepository(opened.connection, options);
      await repository.ensureIndexes();
      return { repository, connection: opened.connection, close: () => mongo.close(opened) };
    },
  };
}

/** Every store the notification repository must work on: PGlite, the real PostgreSQL, MongoDB. */
export function repositoryTargets(): RepositoryTarget[] {
  const postgres = postgresTargets().map((target): RepositoryTarget => ({
    name: target.name,
    skip: target.skip,
    async open() {
      const db = await target.open();
      await migrateNotifications(db);
      return { repository: new PostgresNotificationRepository(db), close: () => target.close(db) };
    },
  }));
  return [...postgres, mongoRepositoryTarget()];
}
