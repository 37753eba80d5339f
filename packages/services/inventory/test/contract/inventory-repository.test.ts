import { describe, it } from 'node:test';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { migrate } from '@polyshop/stores';
import { dynamoTarget, postgresTargets } from '@polyshop/testing';
import { INVENTORY_SCHEMA, PostgresInventoryRepository } from '../../src/adapters/postgres/postgres-inventory-repository.ts';
import { DynamoInventoryRepository } from '../../src/adapters/dynamodb/dynamo-inventory-repository.ts';
import { ensureInventoryTable } from '../../src/adapters/dynamodb/dynamo-inventory-table.ts';
import { inventoryRepositoryContract } from './inventory-repository.contract.ts';

const migrations = fileURLToPath(new URL('../../migrations', import.meta.url));

for (const target of postgresTargets()) {
  describe(`PostgresInventoryRepository on ${target.name}`, { skip: target.skip }, () => {
    const retries: unknown[] = [];
    inventoryRepositoryContract(async () => {
      const db = await target.open();
      await migrate(db, { schema: INVENTORY_SCHEMA, directory: migrations });
      const repository = new PostgresInventoryRepository(db, { onTransientRetry: (error) => retries.push(error) });
      return { repository, close: () => target.close(db) };
    });
    it('never needed to retry a write after a deadlock or serialization failure (SKUs are locked in order)', () => {
      assert.deepEqual(retries, []);
    });
  });
}

const dynamo = dynamoTarget();
describe(`DynamoInventoryRepository on ${dynamo.name}`, { skip: dynamo.skip }, () => {
  inventoryRepositoryContract(async () => {
    const opened = await dynamo.open();
    const tableName = `${opened.namespace}-inventory`;
    await ensureInventoryTable(opened.connection.client, tableName);
    const repository = new DynamoInventoryRepository({ documents: opened.connection.documents, tableName });
    const close = async () => {
      await opened.connection.client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      await dynamo.close(opened);
    };
    return { repository, close };
  });
});
