import { describe, it } from 'node:test';
import { LIVE_INVENTORY_SOURCES, moveLiveToFinished } from './live-inventory-harness.ts';

/**
 * The running platform (PGlite, then the real PostgreSQL server) moves its inventory from PostgreSQL
 * to DynamoDB live, with `migrate-store inventory --to dynamodb` phase by phase to `finished`, while
 * clients reserve a few SKUs (two hot ones running out) and commit, release or leave their
 * reservations (some to expire, by the reaper of whichever store is the source of truth). Neither
 * store ever shows a SKU with more reserved than on hand; DynamoDB ends holding every reservation a
 * client was told of with its status, each SKU's units sold its committed reservations' and its
 * reserved units its active ones'; PostgreSQL takes no write after `finished`.
 */
for (const { source, skip } of LIVE_INVENTORY_SOURCES) {
  describe(`moving live inventory postgres → dynamodb (platform on ${source})`, { skip }, () => {
    it(
      'never oversells through every phase to finished; DynamoDB holds what clients were told',
      { timeout: 180_000 },
      async (t) => {
        const numbers = await moveLiveToFinished(source, 'postgres');
        t.diagnostic(JSON.stringify(numbers));
      },
    );
  });
}
