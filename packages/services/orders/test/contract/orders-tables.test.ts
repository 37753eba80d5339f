import { schemaTablesSuite } from '@polyshop/testing';
import { ORDERS_TABLES } from '../../src/adapters/postgres/orders-tables.ts';

schemaTablesSuite({
  schema: 'orders',
  migrations: new URL('../../migrations', import.meta.url),
  tables: ORDERS_TABLES,
});
