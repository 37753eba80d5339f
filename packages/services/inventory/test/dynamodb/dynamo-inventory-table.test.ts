import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { singleTableDefinition, type DynamoConnection } from '@polyshop/stores';
import { retryableCancellation } from '../../src/adapters/dynamodb/dynamo-stock-writer.ts';
import { ensureInventoryTable } from '../../src/adapters/dynamodb/dynamo-inventory-table.ts';
import { DynamoInventoryRepository } from '../../src/adapters/dynamodb/dynamo-inventory-repository.ts';
import { reservationKey, stockKey } from '../../src/adapters/dynamodb/dynamo-inventory-items.ts';
import { DynamoInventorySide } from '../../src/adapters/migration/dynamo-inventory-side.ts';
import { aReservation, at } from '../contract/inventory-fixtures.ts';
import { dynamo } from './dynamo-test-table.ts';

describe(retryableCancellation.name, () => {
  it('retries a cancellation caused by moved stock, a conflicting transaction or throttling, and nothing else', () => {
    assert.deepEqual(retryableCancellation([{ Code: 'None' }, { Code: 'TransactionConflict' }]), [
      'TransactionConflict',
    ]);
    assert.deepEqual(retryableCancellation([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]), [
      'ConditionalCheckFailed',
    ]);
    assert.deepEqual(retryableCancellation([{ Code: 'ThrottlingError' }]), ['ThrottlingError']);
    assert.equal(
      retryableCancellation([{ Code: 'TransactionConflict' }, { Code: 'ValidationError' }]),
      undefined,
    );
    assert.equal(retryableCancellation([{ Code: 'ItemCollectionSizeLimitExceeded' }]), undefined);
    assert.equal(retryableCancellation([{ Code: 'None' }]), undefined);
  });
});

describe(`${ensureInventoryTable.name} on ${dynamo.name}`, { skip: dynamo.skip }, () => {
  let opened: { connection: DynamoConnection; namespace: string };
  before(async () => {
    opened = await dynamo.open();
  });
  after(() => opened && dynamo.close(opened));

  it('creates the table once when several processes start at once, with the reaper and key indexes and TTL, and is a no-op after', async () => {
    const { client } = opened.connection;
    const tableName = `${opened.namespace}-inventory`;
    try {
      await Promise.all([ensureInventoryTable(client, tableName), ensureInventoryTable(client, tableName)]);
      await ensureInventoryTable(client, tableName);
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      assert.equal(Table?.TableStatus, 'ACTIVE');
      assert.deepEqual(
        Table?.KeySchema?.map((key) => `${key.AttributeName}:${key.KeyType}`),
        ['PK:HASH', 'SK:RANGE'],
      );
      assert.deepEqual(
        Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName),
        ['reservations-by-expiry', 'records-by-key'],
      );
      const { TimeToLiveDescription } = await client.send(
        new DescribeTimeToLiveCommand({ TableName: tableName }),
      );
      assert.deepEqual(
        [TimeToLiveDescription?.TimeToLiveStatus, TimeToLiveDescription?.AttributeName],
        ['ENABLED', 'ttl'],
      );
    } finally {
      await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    }
  });

  it('gives a table made before the key index the index, and its stock items and reservations their key attributes', async () => {
    const { client, documents } = opened.connection;
    const tableName = `${opened.namespace}-old-inventory`;
    try {
      // the table as it was made before the key index, with a SKU, its history and a reservation
      await client.send(new CreateTableCommand(singleTableDefinition(tableName)));
      const repository = new DynamoInventoryRepository({ documents, tableName });
      await repository.setQuantity({ sku: 'OLD-1', quantity: 10, reason: 'initial' }, { now: at(0) });
      const reservation = aReservation([{ sku: 'OLD-1', quantity: 2 }], { now: at(1) });
      assert.equal((await repository.reserve(reservation, { now: at(1) })).status, 'reserved');
      for (const key of [stockKey('OLD-1'), reservationKey(reservation.id)]) {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: 'REMOVE keyShard, keyOrder',
          }),
        );
      }

      await ensureInventoryTable(client, tableName);
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const index = Table?.GlobalSecondaryIndexes?.find((entry) => entry.IndexName === 'records-by-key');
      assert.equal(index?.IndexStatus, 'ACTIVE');
      const side = new DynamoInventorySide(documents, tableName);
      assert.deepEqual(
        (await side.scan('stock', undefined, 10)).map((record) => record.key),
        ['OLD-1'],
      );
      assert.deepEqual(
        (await side.scan('reservations', undefined, 10)).map((record) => record.key),
        [reservation.id],
      );
      assert.deepEqual(
        (await side.scan('adjustments', undefined, 10)).map((record) => record.key),
        ['OLD-1#000000000001'],
      );
    } finally {
      await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    }
  });
});
