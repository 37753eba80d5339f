import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { migrate } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import {
  INVENTORY_SCHEMA,
  PostgresInventoryRepository,
} from '../../src/adapters/postgres/postgres-inventory-repository.ts';
import { dynamo, openTestTable } from '../dynamodb/dynamo-test-table.ts';
import { inventoryRepositoryContract } from './inventory-repository.contract.ts';

const migrations = fileURLToPath(new URL('../../migrations', import.meta.url));

for (const target of postgresTargets()) {
  describe(`PostgresInventoryRepository on ${target.name}`, { skip: target.skip }, () => {
    const retries: unknown[] = [];
    inventoryRepositoryContract(async () => {
      const db = await target.open();
      await migrate(db, { schema: INVENTORY_SCHEMA, directory: migrations });
      const repository = new PostgresInventoryRepository(db, {
        onTransientRetry: (error) => retries.push(error),
      });
      return { repository, close: () => target.close(db) };
    });
    it('never needed to retry a write after a deadlock or serialization failure (SKUs are locked in order)', () => {
      assert.deepEqual(retries, []);
    });
  });
}

describe(`DynamoInventoryRepository on ${dynamo.name}`, { skip: dynamo.skip }, () => {
  inventoryRepositoryContract(async () => {
    const table = await openTestTable();
    return { repository: table.repository(), close: () => table.drop() };
  });
});
