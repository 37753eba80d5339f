import { describe, it } from 'node:test';
import { LIVE_INVENTORY_SOURCES, rollBackLive } from './live-inventory-harness.ts';

/**
 * The other way: inventory runs on DynamoDB (`INVENTORY_STORE=dynamodb`) and its live move to
 * PostgreSQL is rolled back from `write-switch`, on the platform on PGlite and on the real PostgreSQL
 * server, under the same clients and checks as the rollback of a move to DynamoDB: DynamoDB alone
 * then holds what the clients were told, nothing was oversold on either store at any time, and
 * PostgreSQL takes none of the writes made after the rollback.
 */
for (const { source, skip } of LIVE_INVENTORY_SOURCES) {
  describe(
    `rolling live inventory back to DynamoDB from write-switch (platform on ${source})`,
    { skip },
    () => {
      it('DynamoDB alone holds what clients were told', { timeout: 180_000 }, async (t) => {
        t.diagnostic(JSON.stringify(await rollBackLive(source, 'dynamodb', 'write-switch')));
      });
    },
  );
}
