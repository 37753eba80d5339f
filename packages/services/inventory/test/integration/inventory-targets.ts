import { randomBytes } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { openDynamo } from '@polyshop/stores';
import { postgresTargets, skipReason, testServerUrl, type PostgresTarget } from '@polyshop/testing';

/**
 * A store the inventory HTTP suites run on: the platform's PostgreSQL engine (users, dead letters,
 * and inventory unless told otherwise), and the environment that puts inventory on its store.
 */
export interface InventoryTarget {
  name: string;
  skip: string | false;
  postgres: PostgresTarget['name'];
  /** Environment for one platform (a fresh DynamoDB table each time). */
  env(): Record<string, string>;
  /** Drops what `env` made (the table). */
  cleanUp(env: Record<string, string>): Promise<void>;
}

const DYNAMODB = 'POLYSHOP_TEST_DYNAMODB_ENDPOINT';

/**
 * PGlite and PostgreSQL (inventory on PostgreSQL), and inventory on the DynamoDB test server
 * (`INVENTORY_STORE=dynamodb`).
 */
export function inventoryTargets(): InventoryTarget[] {
  const endpoint = testServerUrl(DYNAMODB);
  return [
    ...postgresTargets().map((target) => ({
      name: target.name,
      skip: target.skip,
      postgres: target.name,
      env: () => ({}),
      cleanUp: async () => {},
    })),
    {
      name: 'dynamodb',
      skip: skipReason(DYNAMODB, endpoint),
      postgres: 'pglite',
      env: () => ({
        INVENTORY_STORE: 'dynamodb',
        DYNAMODB_ENDPOINT: endpoint!,
        INVENTORY_DYNAMODB_TABLE: `t_${randomBytes(5).toString('hex')}-inventory`,
      }),
      async cleanUp(env) {
        const { client, close } = openDynamo({ endpoint: endpoint! });
        await client
          .send(new DeleteTableCommand({ TableName: env.INVENTORY_DYNAMODB_TABLE }))
          .catch(() => undefined);
        close();
      },
    },
  ];
}
