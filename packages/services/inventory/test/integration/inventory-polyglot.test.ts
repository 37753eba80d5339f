import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '@polyshop/kernel';
import { createTestPlatform, userWithPermissions } from '@polyshop/platform/testing';
import { eventually, testServerUrl } from '@polyshop/testing';
import { dynamo, openTestTable } from '../dynamodb/dynamo-test-table.ts';
import { uniqueSku } from './inventory-harness.ts';

describe(`inventory in the polyglot profile on ${dynamo.name}`, { skip: dynamo.skip }, () => {
  it('POLYSHOP_PROFILE=polyglot keeps stock in DynamoDB with no other change, and its events reach the bus', async () => {
    // the table exists already here (made by a previous start): the service uses it as it is
    const table = await openTestTable();
    const env = {
      POLYSHOP_PROFILE: 'polyglot',
      DYNAMODB_ENDPOINT: testServerUrl('POLYSHOP_TEST_DYNAMODB_ENDPOINT')!,
      INVENTORY_DYNAMODB_TABLE: table.tableName,
    };
    const platform = await createTestPlatform({ target: 'pglite', services: ['users', 'inventory'], env });
    try {
      const events: EventEnvelope[] = [];
      await platform.bus.subscribe({
        consumer: 'test.polyglot',
        types: ['inventory.changed'],
        handler: async (event) => void events.push(event),
      });
      const { token } = await userWithPermissions(platform, ['inventory:write']);
      const sku = uniqueSku();
      const put = await platform.app.inject({
        method: 'PUT',
        url: `/inventory/${sku}`,
        payload: { quantity: 7 },
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(put.statusCode, 201, put.body);

      const { Item } = await table.connection.documents.send(
        new GetCommand({
          TableName: table.tableName,
          Key: { PK: `PRODUCT#${sku}`, SK: 'INVENTORY' },
          ConsistentRead: true,
        }),
      );
      assert.deepEqual([Item?.quantity, Item?.available, Item?.version], [7, 7, 1]);
      await eventually(() => events.some((event) => event.aggregateId === sku), {
        message: 'inventory.changed on the bus',
      });
      assert.deepEqual(events.find((event) => event.aggregateId === sku)?.data, {
        sku,
        quantity: 7,
        reserved: 0,
        available: 7,
        inStock: true,
        version: 1,
      });
      const ready = await platform.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.json().checks.inventory, 'ok');
    } finally {
      await platform.dispose();
      await table.drop();
    }
  });
});
