import { describeNotificationsMoves } from './notifications-move-harness.ts';

/**
 * The running platform (users and notifications; on PGlite, then on the real PostgreSQL) moves its
 * notifications from PostgreSQL to MongoDB with `polyshop migrate-store notifications --to mongodb`
 * while order events keep creating notifications and the delivery worker keeps sending them through
 * a slow SMTP server (some refused once, transiently): rolled back from read-switch and from
 * write-switch, then moved to finished. Every notification is sent exactly once, counted at the SMTP
 * server, and every refused one was retried and sent. The way back, live:
 * live-notifications-reverse-move.test.ts; through the CLI: packages/platform/test/migrate-store-notifications.test.ts.
 */
describeNotificationsMoves('postgres', 'mongodb');
