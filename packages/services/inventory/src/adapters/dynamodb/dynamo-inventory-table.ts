import {
  CreateTableCommand,
  DescribeTableCommand,
  ScanCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type AttributeDefinition,
  type AttributeValue,
  type GlobalSecondaryIndex,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { singleTableDefinition } from '@polyshop/stores';
import { EXPIRY_INDEX, KEY_INDEX, keyAttributes } from './dynamo-inventory-items.ts';

export interface EnsureTableOptions {
  /** How long to wait for a new table to become ACTIVE. Default 120 s. */
  maxWaitSeconds?: number;
}

/**
 * Creates the inventory table if it is missing and waits until it is ACTIVE; safe to call from
 * several processes at once (a concurrent creation is waited for, not an error). Key `PK`/`SK`
 * (strings), on-demand capacity, the reaper's sparse GSI (`expiryShard`, `expiryKey`, keys only),
 * the key index the migration side pages by (`KEY_INDEX`; added to a table made before it), and TTL on `ttl` (which only garbage-collects ended reservations: the reaper returns stock).
 */
export async function ensureInventoryTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<void> {
  if (!(await tableExists(client, tableName))) {
    try {
      await client.send(
        new CreateTableCommand(
          singleTableDefinition(tableName, {
            AttributeDefinitions: [
              { AttributeName: 'expiryShard', AttributeType: 'S' },
              { AttributeName: 'expiryKey', AttributeType: 'S' },
              ...KEY_INDEX_ATTRIBUTES,
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
              KEY_INDEX_DEFINITION,
            ],
          }),
        ),
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
  await ensureKeyIndex(client, tableName, options.maxWaitSeconds ?? 120);
}

/** The key index's attributes (see `KEY_INDEX`). */
const KEY_INDEX_ATTRIBUTES: AttributeDefinition[] = [
  { AttributeName: 'keyShard', AttributeType: 'S' },
  { AttributeName: 'keyOrder', AttributeType: 'S' },
];

const KEY_INDEX_DEFINITION: GlobalSecondaryIndex = {
  IndexName: KEY_INDEX,
  KeySchema: [
    { AttributeName: 'keyShard', KeyType: 'HASH' },
    { AttributeName: 'keyOrder', KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'KEYS_ONLY' },
};

/**
 * A table made before the key index gets it: first its stock items and reservations get their index
 * attributes (one scan of the table; an item removed meanwhile is left alone; items written since by
 * this code have them already), then the index is created and waited for until ACTIVE — so a start
 * that dies half-way tags again next time. A concurrent start doing the same is waited for.
 */
async function ensureKeyIndex(client: DynamoDBClient, tableName: string, maxWaitSeconds: number) {
  const indexOf = async () =>
    (
      await client.send(new DescribeTableCommand({ TableName: tableName }))
    ).Table?.GlobalSecondaryIndexes?.find((index) => index.IndexName === KEY_INDEX);
  if (await indexOf()) return;
  await tagKeyedItems(client, tableName);
  try {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: KEY_INDEX_ATTRIBUTES,
        GlobalSecondaryIndexUpdates: [{ Create: KEY_INDEX_DEFINITION }],
      }),
    );
  } catch (error) {
    // another process is adding it: wait for it like for ours
    if (!(error instanceof ResourceInUseException) && (error as Error).name !== 'ValidationException')
      throw error;
  }
  const deadline = Date.now() + maxWaitSeconds * 1000;
  while ((await indexOf())?.IndexStatus !== 'ACTIVE') {
    if (Date.now() > deadline) throw new Error(`the key index of ${tableName} did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Gives every stock item (shard 0) and reservation of the table that lacks them its key index attributes. */
async function tagKeyedItems(client: DynamoDBClient, tableName: string): Promise<void> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        FilterExpression: 'attribute_not_exists(keyShard) AND (SK = :stock OR SK = :reservation)',
        ExpressionAttributeValues: { ':stock': { S: 'INVENTORY' }, ':reservation': { S: 'RESERVATION' } },
        ProjectionExpression: 'PK, SK',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const pk = item.PK!.S!;
      const [kind, key] = pk.startsWith('RESERVATION#')
        ? (['RESERVATION', pk.slice('RESERVATION#'.length)] as const)
        : (['STOCK', pk.slice('PRODUCT#'.length)] as const);
      const { keyShard, keyOrder } = keyAttributes(kind, key);
      await client
        .send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { PK: item.PK!, SK: item.SK! },
            UpdateExpression: 'SET keyShard = :shard, keyOrder = :order',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: { ':shard': { S: keyShard }, ':order': { S: keyOrder } },
          }),
        )
        .catch((error: Error) => {
          if (error.name !== 'ConditionalCheckFailedException') throw error;
        });
    }
    start = page.LastEvaluatedKey;
  } while (start);
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
