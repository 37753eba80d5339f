import { schemaTablesSuite } from '@polyshop/testing';
import { NOTIFICATIONS_TABLES } from '../../src/adapters/postgres/notifications-tables.ts';

schemaTablesSuite({
  schema: 'notifications',
  migrations: new URL('../../migrations', import.meta.url),
  tables: NOTIFICATIONS_TABLES,
});
