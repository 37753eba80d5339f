import { describeNotificationsMoves } from './notifications-move-harness.ts';

/**
 * The other way: the running platform (on PGlite, then on the real PostgreSQL) keeps notifications on
 * MongoDB (`NOTIFICATION_STORE=mongodb`) and moves them live to PostgreSQL with `polyshop migrate-store
 * notifications --to postgres` while order events keep creating notifications and the delivery worker
 * keeps sending them through a slow SMTP server: rolled back from read-switch and from write-switch,
 * then moved to finished. Every notification is sent exactly once, and every refused one retried.
 */
describeNotificationsMoves('mongodb', 'postgres');
