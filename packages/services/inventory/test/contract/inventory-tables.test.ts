import { schemaTablesSuite } from '@polyshop/testing';
import { INVENTORY_TABLES } from '../../src/adapters/postgres/inventory-tables.ts';

schemaTablesSuite({
  schema: 'inventory',
  migrations: new URL('../../migrations', import.meta.url),
  tables: INVENTORY_TABLES,
});
