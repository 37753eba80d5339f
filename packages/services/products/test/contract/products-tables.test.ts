import { schemaTablesSuite } from '@polyshop/testing';
import { CATALOG_TABLES } from '../../src/adapters/postgres/catalog-tables.ts';

schemaTablesSuite({
  schema: 'catalog',
  migrations: new URL('../../migrations', import.meta.url),
  tables: CATALOG_TABLES,
});
