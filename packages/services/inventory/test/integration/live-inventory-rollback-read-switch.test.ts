import { describe, it } from 'node:test';
import { LIVE_INVENTORY_SOURCES, rollBackLive } from './live-inventory-harness.ts';

/**
 * Rolling a live move of inventory to DynamoDB back from `read-switch` (reads on DynamoDB, writes
 * still on PostgreSQL first), on the platform on PGlite and on the real PostgreSQL server: clients
 * keep reserving through the move, the rollback and after; PostgreSQL alone then holds every
 * reservation they were told of with its status and the stock that goes with it, nothing was
 * oversold on either store at any time, and DynamoDB takes none of the writes made after the rollback.
 */
for (const { source, skip } of LIVE_INVENTORY_SOURCES) {
  describe(`rolling live inventory back from read-switch (platform on ${source})`, { skip }, () => {
    it('PostgreSQL alone holds what clients were told', { timeout: 180_000 }, async (t) => {
      t.diagnostic(JSON.stringify(await rollBackLive(source, 'postgres', 'read-switch')));
    });
  });
}
