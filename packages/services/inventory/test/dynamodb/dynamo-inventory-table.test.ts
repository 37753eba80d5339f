import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoConnection } from '@polyshop/stores';
import { retryableCancellation } from '../../src/adapters/dynamodb/dynamo-stock-writer.ts';
import { ensureInventoryTable } from '../../src/adapters/dynamodb/dynamo-inventory-table.ts';
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

  it('creates the table once when several processes start at once, with the reaper index and TTL, and is a no-op after', async () => {
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
        ['reservations-by-expiry'],
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
});
