import { describe } from 'node:test';
import { dynamo, openTestTable } from '../dynamodb/dynamo-test-table.ts';
import { stockShardingContract } from './stock-sharding.contract.ts';

// Only DynamoDB shards counters: PostgreSQL has no per-row write ceiling to spread (it coalesces
// concurrent writes to a hot row instead), so it has no `StockSharding` port.
describe(`DynamoInventoryRepository sharded counters on ${dynamo.name}`, { skip: dynamo.skip }, () => {
  stockShardingContract(async () => {
    const table = await openTestTable();
    const repository = table.repository();
    return { repository, sharding: repository, close: () => table.drop() };
  });
});
