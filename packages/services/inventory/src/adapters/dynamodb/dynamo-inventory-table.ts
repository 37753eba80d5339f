import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { EXPIRY_INDEX } from './dynamo-inventory-items.ts';

export interface EnsureTableOptions {
  /** How long to wait for a new table to become ACTIVE. Default 120 s. */
  maxWaitSeconds?: number;
}

/**
 * Creates the inventory table if it is missing and waits until it is ACTIVE; safe to call from
 * several processes at once (a concurrent creation is waited for, not an error). Key `PK`/`SK`
 * (strings), on-demand capacity, the reaper's sparse GSI (`expiryShard`, `expiryKey`, keys only),
 * and TTL on `ttl` (which only garbage-collects ended reservations: the reaper returns stock).
 */
export async function ensureInventoryTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<void> {
  if (!(await tableExists(client, tableName))) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'PK', AttributeType: 'S' },
            { AttributeName: 'SK', AttributeType: 'S' },
            { AttributeName: 'expiryShard', AttributeType: 'S' },
            { AttributeName: 'expiryKey', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'PK', KeyType: 'HASH' },
            { AttributeName: 'SK', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: EXPIRY_INDEX,
              KeySchema: [
                { AttributeName: 'expiryShard', KeyType: 'HASH' },
                { AttributeName: 'expiryKey', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          ],
        }),
      );
    } catch (error) {
      // another process created it first: wait for it like for ours
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  await waitUntilTableExists(
    { client, maxWaitTime: options.maxWaitSeconds ?? 120, minDelay: 1 },
    { TableName: tableName },
  );
  await enableTimeToLive(client, tableName);
}

async function tableExists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

async function enableTimeToLive(client: DynamoDBClient, tableName: string): Promise<void> {
  const { TimeToLiveDescription: ttl } = await client.send(
    new DescribeTimeToLiveCommand({ TableName: tableName }),
  );
  if (ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING') return;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      }),
    );
  } catch (error) {
    // a concurrent start enabled it between our describe and update
    if ((error as Error).name !== 'ValidationException' || !/already enabled/i.test((error as Error).message))
      throw error;
  }
}
