import { describeNotificationsMoves } from '../../services/notifications/test/integration/notifications-move-harness.ts';

/**
 * The way back: the running platform (users; on PGlite, then on the real PostgreSQL) with notifications
 * configured on MongoDB (`NOTIFICATION_STORE=mongodb`) moves them to PostgreSQL with
 * `polyshop migrate-store notifications --to postgres` while order events keep creating notifications
 * and the delivery worker keeps sending them: rolled back from read-switch and from write-switch
 * (MongoDB alone holds every notification and the ones after), then moved to finished. Every
 * notification is sent exactly once, counted at the SMTP server.
 */
describeNotificationsMoves('mongodb', 'postgres');
