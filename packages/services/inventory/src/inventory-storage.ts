import { fileURLToPath } from 'node:url';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { ServiceContext } from '@polyshop/http';
import { migrate, OutboxRelay } from '@polyshop/stores';
import { DynamoInventoryRepository } from './adapters/dynamodb/dynamo-inventory-repository.ts';
import { ensureInventoryTable } from './adapters/dynamodb/dynamo-inventory-table.ts';
import { DynamoOutboxRelay } from './adapters/dynamodb/dynamo-outbox-relay.ts';
import { oldestOutboxWrite } from './adapters/dynamodb/dynamo-outbox.ts';
import {
  INVENTORY_SCHEMA,
  PostgresInventoryRepository,
} from './adapters/postgres/postgres-inventory-repository.ts';
import { DynamoInventorySide } from './adapters/migration/dynamo-inventory-side.ts';
import { PostgresInventorySide } from './adapters/migration/postgres-inventory-side.ts';
import type { InventorySide } from './adapters/migration/routed-inventory-repository.ts';
import type { InventoryConfig } from './app/inventory-config.ts';
import type { InventoryRepository } from './ports/inventory-repository.ts';
import type { StockSharding } from './ports/stock-sharding.ts';
import { stockContentionMetrics } from './stock-contention-metrics.ts';

const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));

/** The stores inventory runs on. */
export type InventoryStore = 'postgres' | 'dynamodb';

/** Where inventory keeps its data: the repository, the relay publishing its outbox, and the `/readyz` probe. */
export interface InventoryStorage {
  repository: InventoryRepository;
  /** Sharded counters for hot SKUs, where the store has them (DynamoDB). */
  sharding?: StockSharding;
  relay: { start(): void; wake(): void; stop(): Promise<void> };
  ready: () => Promise<void>;
  /** The data on this store as the migration engine copies it (issue 14). */
  side: InventorySide;
}

/**
 * Inventory's store, as the platform chose it (`INVENTORY_STORE`, `POLYSHOP_PROFILE`): PostgreSQL
 * (schema `inventory`, migrated on start) or DynamoDB (table `INVENTORY_DYNAMODB_TABLE`, created on
 * start if missing), each with its own outbox and relay publishing to the platform's bus.
 */
export async function openInventoryStorage(
  context: ServiceContext<InventoryStore>,
  config: InventoryConfig,
  store: string = context.store,
): Promise<InventoryStorage> {
  if (store === 'dynamodb') {
    const { client, documents } = context.dynamodb();
    const tableName = config.INVENTORY_DYNAMODB_TABLE;
    await ensureInventoryTable(client, tableName);
    const repository = new DynamoInventoryRepository({
      documents,
      tableName,
      contention: stockContentionMetrics(context.metrics, 'dynamodb'),
      onConflictRetry: (reasons, attempt) =>
        context.logger.warn(
          { reasons, attempt },
          'inventory write retried after a transaction conflict or throttling',
        ),
    });
    context.metrics?.outboxLag('dynamodb', tableName, () => oldestOutboxWrite(documents, tableName));
    return {
      repository,
      sharding: repository,
      relay: new DynamoOutboxRelay({ documents, tableName, publisher: context.bus, logger: context.logger }),
      ready: async () => void (await client.send(new DescribeTableCommand({ TableName: tableName }))),
      side: new DynamoInventorySide(documents, tableName),
    };
  }
  if (store !== 'postgres') throw new Error(`inventory cannot run on ${store}`);
  const db = await context.postgres();
  await migrate(db, { schema: INVENTORY_SCHEMA, directory: MIGRATIONS });
  const contention = stockContentionMetrics(context.metrics, db.engine);
  return {
    repository: new PostgresInventoryRepository(db, {
      ...(contention ? { contention } : {}),
      onTransientRetry: (error, attempt) =>
        context.logger.warn({ err: error, attempt }, 'inventory write retried after a transient failure'),
    }),
    relay: new OutboxRelay({ db, schema: INVENTORY_SCHEMA, publisher: context.bus, logger: context.logger }),
    ready: () => db.ping(),
    side: new PostgresInventorySide(db),
  };
}
