import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoConnection } from '@polyshop/stores';
import { dynamoTarget } from '@polyshop/testing';
import {
  DynamoInventoryRepository,
  type DynamoInventoryRepositoryOptions,
} from '../../src/adapters/dynamodb/dynamo-inventory-repository.ts';
import { ensureInventoryTable } from '../../src/adapters/dynamodb/dynamo-inventory-table.ts';

export const dynamo = dynamoTarget();

/** A fresh inventory table on the DynamoDB test server, and repositories on it. */
export interface DynamoTestTable {
  connection: DynamoConnection;
  tableName: string;
  repository(
    options?: Omit<DynamoInventoryRepositoryOptions, 'documents' | 'tableName'>,
  ): DynamoInventoryRepository;
  drop(): Promise<void>;
}

export async function openTestTable(): Promise<DynamoTestTable> {
  const opened = await dynamo.open();
  const tableName = `${opened.namespace}-inventory`;
  await ensureInventoryTable(opened.connection.client, tableName);
  return {
    connection: opened.connection,
    tableName,
    repository: (options = {}) =>
      new DynamoInventoryRepository({ documents: opened.connection.documents, tableName, ...options }),
    async drop() {
      await opened.connection.client
        .send(new DeleteTableCommand({ TableName: tableName }))
        .catch(() => undefined);
      await dynamo.close(opened);
    },
  };
}
