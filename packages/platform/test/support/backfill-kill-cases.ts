import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { ServiceName } from '@polyshop/http';
import { localInventoryClient, setStock } from '@polyshop/inventory';
import type { TestPlatform } from '@polyshop/platform/testing';
import { dynamoTarget, mongoTarget, openSearchTarget, testServerUrl } from '@polyshop/testing';
import { aChannel, aNotification } from '../../../services/notifications/test/support/builders.ts';
import { seedCatalogue } from '../../src/cli/seed-command.ts';
import { mongoUrlOf } from './catalogue-migration.ts';

/** A fresh namespace on a target store's test server: what the CLI is told of it, and its disposal. */
export interface TargetNamespace {
  env: Record<string, string>;
  close(): Promise<void>;
}

/** A store a backfill copies to, on its real test server. */
interface TargetServer {
  /** Why it cannot be reached here (never under CI=true: there, a missing server throws). */
  skip: string | false;
  open(): Promise<TargetNamespace>;
}

const mongo = mongoTarget();
const dynamo = dynamoTarget();
const opensearch = openSearchTarget();

/** Each target store: a database of its own (MongoDB), a table (DynamoDB), an index prefix (OpenSearch). */
const TARGETS = {
  mongodb: {
    skip: mongo.skip,
    async open() {
      const opened = await mongo.open();
      return { env: { MONGODB_URL: mongoUrlOf(opened) }, close: () => mongo.close(opened) };
    },
  },
  dynamodb: {
    skip: dynamo.skip,
    async open() {
      const opened = await dynamo.open();
      const table = `${opened.namespace}-inventory`;
      return {
        env: {
          DYNAMODB_ENDPOINT: testServerUrl('POLYSHOP_TEST_DYNAMODB_ENDPOINT')!,
          INVENTORY_DYNAMODB_TABLE: table,
        },
        async close() {
          await opened.connection.client
            .send(new DeleteTableCommand({ TableName: table }))
            .catch(() => undefined);
          await dynamo.close(opened);
        },
      };
    },
  },
  opensearch: {
    skip: opensearch.skip,
    async open() {
      const opened = await opensearch.open();
      return {
        env: {
          OPENSEARCH_URL: testServerUrl('POLYSHOP_TEST_OPENSEARCH_URL')!,
          SEARCH_OPENSEARCH_INDEX_PREFIX: opened.namespace,
        },
        close: () => opensearch.close(opened),
      };
    },
  },
} satisfies Record<string, TargetServer>;

/** Runs `write(i)` for each i below `count`, ten at a time (a group's writes touch different records). */
async function tenAtATime(count: number, write: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += 10) {
    const group = Array.from({ length: Math.min(10, count - start) }, (_, k) => start + k);
    await Promise.all(group.map(write));
  }
}

/**
 * One movable service in the kill drill: the store its backfill copies to, and a few hundred records
 * written on PostgreSQL through the service's own code (a platform of `services` that then stops),
 * so that a backfill of 20 records a batch takes a dozen batches or more.
 */
export interface BackfillKillCase {
  service: ServiceName;
  to: keyof typeof TARGETS;
  /** The services the seeding platform runs. */
  services: ServiceName[];
  seed(platform: TestPlatform): Promise<void>;
}

/** The platform's movable services, each with its polyglot store. */
export const BACKFILL_KILL_CASES: readonly BackfillKillCase[] = [
  {
    // 5 categories and 300 products
    service: 'products',
    to: 'mongodb',
    services: ['users', 'products'],
    async seed(platform) {
      await seedCatalogue(platform, { products: 300, seed: 13, batchSize: 500, progress: false });
    },
  },
  {
    // 100 SKUs (stock, and their first history entries), 60 reservations of which 20 committed
    service: 'inventory',
    to: 'dynamodb',
    services: ['inventory'],
    async seed(platform) {
      const { deps } = platform.module('inventory')!;
      const client = localInventoryClient(deps);
      const sku = (i: number) => `KILL-${String(i).padStart(3, '0')}`;
      await tenAtATime(100, (i) =>
        setStock(deps, { sku: sku(i), quantity: 50, reason: 'initial', actor: 'admin' }),
      );
      // reservation i holds SKUs i and 99 - i: no two of a group share a SKU
      await tenAtATime(60, async (i) => {
        const reservationId = `kill-res-${String(i).padStart(3, '0')}`;
        const items = [
          { sku: sku(i), quantity: 1 },
          { sku: sku(99 - i), quantity: 2 },
        ];
        await client.reserve({ reservationId, items, ttlSeconds: 86_400 });
        if (i % 3 === 0) await client.commit(reservationId);
      });
    },
  },
  {
    // the default templates, 40 users' preferences and recipients, 160 notifications (not yet due)
    service: 'notifications',
    to: 'mongodb',
    services: ['notifications'],
    async seed(platform) {
      const { repository } = platform.module('notifications')!;
      const updatedAt = new Date().toISOString();
      await tenAtATime(40, async (i) => {
        const userId = `kill-user-${i}`;
        await repository.preferences.save({
          userId,
          email: true,
          sms: i % 2 === 0,
          push: false,
          phone: null,
          updatedAt,
        });
        await repository.recipients.remember({ userId, email: `${userId}@polyshop.test`, name: null });
      });
      await tenAtATime(160, (i) => {
        const channel = aChannel('email', {
          to: `kill-user-${i % 40}@polyshop.test`,
          nextAttemptAt: '2099-01-01T00:00:00.000Z',
        });
        return repository.records.create(aNotification({ channels: [channel] }));
      });
    },
  },
  {
    // 200 indexed products (every tenth archived: a tombstone) and 100 stock levels
    service: 'search',
    to: 'opensearch',
    services: ['search'],
    async seed(platform) {
      const { index } = platform.module('search')!;
      await tenAtATime(200, async (i) => {
        const id = `kill-product-${String(i).padStart(3, '0')}`;
        await index.upsert({
          id,
          slug: id,
          name: `Trail shoe ${i}`,
          brand: i % 3 === 0 ? 'Acme' : null,
          category: 'shoes',
          description: `A light shoe (${i}).`,
          currency: 'EUR',
          price: `${20 + (i % 17)}.${i % 10}0`,
          skus: [`${id}-S`, `${id}-M`],
          version: 1,
        });
        if (i % 10 === 0) await index.remove(id, 2);
        if (i % 2 === 0) await index.setStock(`${id}-S`, i % 7, 1);
      });
    },
  },
];

/** Why `drill` cannot run here (its target server is missing), or false. */
export const skipOf = (drill: BackfillKillCase): string | false => TARGETS[drill.to].skip;

/** A fresh namespace for `drill` on its target's server. */
export const openTargetOf = (drill: BackfillKillCase): Promise<TargetNamespace> => TARGETS[drill.to].open();
