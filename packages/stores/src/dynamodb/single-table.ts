import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * A single-table design's table: string keys `PK` (partition) and `SK` (sort), on-demand capacity.
 * `extra` adds attributes and indexes (the inventory table's GSIs).
 */
export function singleTableDefinition(
  tableName: string,
  extra: Pick<CreateTableCommandInput, 'AttributeDefinitions' | 'GlobalSecondaryIndexes'> = {},
): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'PK', AttributeType: 'S' },
      { AttributeName: 'SK', AttributeType: 'S' },
      ...(extra.AttributeDefinitions ?? []),
    ],
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    ...(extra.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: extra.GlobalSecondaryIndexes } : {}),
  };
}
