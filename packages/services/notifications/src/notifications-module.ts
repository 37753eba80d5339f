import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import { MovableStores } from '@polyshop/migration';
import { createChannels } from './adapters/channels/create-channels.ts';
import { MongoNotificationSide } from './adapters/migration/mongo-notification-side.ts';
import { PostgresNotificationSide } from './adapters/migration/postgres-notification-side.ts';
import {
  RoutedNotificationRepository,
  type OpenNotificationStore,
} from './adapters/migration/routed-notification-repository.ts';
import { openMongoNotifications } from './adapters/mongodb/open-mongo-notifications.ts';
import {
  migrateNotifications,
  PostgresNotificationRepository,
} from './adapters/postgres/postgres-notification-repository.ts';
import { DeliveryWorker } from './app/delivery-worker.ts';
import { seedDefaultTemplates } from './app/manage-templates.ts';
import { NotificationService } from './app/notification-service.ts';
import { subscribeTriggers } from './app/notification-triggers.ts';
import { loadNotificationsConfig } from './app/notifications-config.ts';
import { notificationsRoutes } from './http/notifications-routes.ts';
import { NotificationsHttpClient, type NotificationsClient } from './notifications-client.ts';
import type { NotificationRepository } from './ports/notification-repository.ts';

/** The running service, with what tests and the CLI reach beyond the client. */
export interface NotificationsModule extends ServiceModule<NotificationsClient> {
  service: NotificationService;
  repository: NotificationRepository;
  worker: DeliveryWorker;
}

/** The migration engine's name for this service. */
export const MIGRATION_SERVICE = 'notifications';

/** One of the service's stores, opened (its schema or indexes made): repository, migration side, probe. */
async function openStore(
  context: ServiceContext<NotificationsStore>,
  store: string,
): Promise<OpenNotificationStore> {
  if (store === 'mongodb') {
    const repository = await openMongoNotifications(context);
    return {
      repository,
      side: new MongoNotificationSide(await context.mongodb()),
      ping: () => repository.ping(),
    };
  }
  if (store === 'postgres') {
    const db = await context.postgres();
    await migrateNotifications(db);
    return {
      repository: new PostgresNotificationRepository(db),
      side: new PostgresNotificationSide(db),
      ping: () => db.ping(),
    };
  }
  throw new Error(`notifications cannot run on ${store}`);
}

/**
 * Builds the notification service on its store (PostgreSQL JSONB, or MongoDB documents): schema or
 * indexes, default templates, channels from configuration, the delivery worker and the event
 * triggers (subscribed in `start`).
 */
export async function createNotificationsService(
  context: ServiceContext<NotificationsStore>,
): Promise<NotificationsModule> {
  const config = loadNotificationsConfig(context.env);
  // Routed by the migration engine (issue 14): with no move only the configured store is open; while
  // the service moves between PostgreSQL and MongoDB, writes (the delivery worker's claims and outcomes
  // among them) go to the phase's source of truth and are copied to the other store, reads go where the
  // phase says. The phase comes from the control store in the platform's PostgreSQL.
  const stores = await MovableStores.open<OpenNotificationStore>({
    service: MIGRATION_SERVICE,
    control: await context.postgres(),
    configuredStore: context.store,
    openStore: (store) => openStore(context, store),
    subscribe: (subscription) => context.bus.subscribe(subscription),
    logger: context.logger,
  });
  const repository = new RoutedNotificationRepository(stores);
  await seedDefaultTemplates(repository.templates, context.clock);
  const channels = createChannels(config);
  const deliveries = context.metrics?.counter(
    'polyshop_notification_deliveries_total',
    'Delivery attempts of the notification worker recorded, by channel and outcome (sent, retry, failed, skipped, suppressed).',
    ['channel', 'outcome'],
  );
  const worker = new DeliveryWorker({
    ...(deliveries
      ? {
          settled: (channel, status) =>
            deliveries({ channel, outcome: status === 'pending' ? 'retry' : status }),
        }
      : {}),
    repository,
    channels,
    clock: context.clock,
    logger: context.logger.child({ component: 'notification-delivery' }),
    policy: {
      maxAttempts: config.NOTIFICATIONS_MAX_ATTEMPTS,
      baseDelayMs: config.NOTIFICATIONS_RETRY_BASE_MS,
      maxDelayMs: config.NOTIFICATIONS_RETRY_MAX_MS,
    },
    pollIntervalMs: config.NOTIFICATIONS_POLL_MS,
    concurrencyPerChannel: config.NOTIFICATIONS_CHANNEL_CONCURRENCY,
    leaseMs: config.NOTIFICATIONS_CHANNEL_TIMEOUT_MS * 2 + 5000,
  });
  const onCreated = () => worker.wake();
  const service = new NotificationService({ repository, channels, clock: context.clock, onCreated });
  let subscribed = false;
  return {
    client: service,
    service,
    repository,
    worker,
    routes: notificationsRoutes(service, context.authorizer),
    async start() {
      await stores.start();
      if (!subscribed) {
        subscribed = true;
        await subscribeTriggers({
          bus: context.bus,
          repository,
          channels,
          clock: context.clock,
          logger: context.logger,
          onCreated,
        });
      }
      worker.start();
    },
    async stop() {
      await worker.stop();
      await Promise.all(Object.values(channels).map((channel) => channel.close()));
      await stores.stop();
    },
    async ready() {
      await repository.ping();
    },
    stores: () => stores.describe(),
  };
}

/** The stores notifications run on. */
export type NotificationsStore = 'postgres' | 'mongodb';

declare module '@polyshop/http' {
  interface ServiceRegistry {
    notifications: { client: NotificationsClient; module: NotificationsModule };
  }
}

/** How the platform creates the notification service and reaches it from another process. */
export const definition: ServiceDefinition<'notifications', NotificationsStore> = {
  name: 'notifications',
  prefix: '/notifications',
  defaultPort: 3006,
  stores: { variable: 'NOTIFICATION_STORE', supported: ['postgres', 'mongodb'], polyglot: 'mongodb' },
  create: createNotificationsService,
  httpClient: (baseUrl, context) => new NotificationsHttpClient(baseUrl, { logger: context.logger }),
};
