import { schemaTablesSuite } from '@polyshop/testing';
import { USERS_TABLES } from '../../src/adapters/postgres/users-tables.ts';

schemaTablesSuite({
  schema: 'users',
  migrations: new URL('../../migrations', import.meta.url),
  tables: USERS_TABLES,
});
