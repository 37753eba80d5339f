import { describe, it } from 'node:test';
import { LIVE_INVENTORY_SOURCES, moveLiveToFinished } from './live-inventory-harness.ts';

/**
 * The other way: the platform (PGlite, then the real PostgreSQL server) runs inventory on DynamoDB
 * (`INVENTORY_STORE=dynamodb`) and moves it live to PostgreSQL with `migrate-store inventory --to
 * postgres` phase by phase to `finished`, under the same clients and checks as the move there: no
 * oversell on either store at any time, PostgreSQL ends holding what clients were told, DynamoDB
 * takes no write after `finished`.
 */
for (const { source, skip } of LIVE_INVENTORY_SOURCES) {
  describe(`moving live inventory dynamodb → postgres (platform on ${source})`, { skip }, () => {
    it(
      'never oversells through every phase to finished; PostgreSQL holds what clients were told',
      { timeout: 180_000 },
      async (t) => {
        const numbers = await moveLiveToFinished(source, 'dynamodb');
        t.diagnostic(JSON.stringify(numbers));
      },
    );
  });
}
