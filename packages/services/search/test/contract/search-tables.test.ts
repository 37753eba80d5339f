import { schemaTablesSuite } from '@polyshop/testing';
import { SEARCH_TABLES } from '../../src/adapters/postgres/search-tables.ts';

schemaTablesSuite({
  schema: 'search',
  migrations: new URL('../../migrations', import.meta.url),
  tables: SEARCH_TABLES,
});
