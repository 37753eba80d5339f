import { schemaTablesSuite } from '@polyshop/testing';
import { PAYMENTS_TABLES } from '../../src/adapters/postgres/payments-tables.ts';

schemaTablesSuite({
  schema: 'payments',
  migrations: new URL('../../migrations', import.meta.url),
  tables: PAYMENTS_TABLES,
});
