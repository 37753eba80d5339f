import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertHoldsLedger,
  assertOneEventPerChange,
  LIVE_MOVE_SOURCES,
  LOAD_CONCURRENCY,
  moveUntilVerified,
  openLiveMove,
  sleep,
  startLoad,
  type LiveMove,
} from './live-move-harness.ts';

const SERVICE = 'products';
/** Under a second of load per phase, so each drill stays short in CI. */
const PHASE_LOAD_MS = 800;

/**
 * Moves the catalogue towards MongoDB under load up to `phase`, rolls back there while the clients
 * keep writing, lets them write a while longer, and checks what the rollback must leave: no 5xx, the
 * migration idle and the process routing everything to PostgreSQL again, PostgreSQL holding every
 * acknowledged write with its last value, one `product.*` event per acknowledged change across both
 * outboxes, and the writes begun after the rollback was applied in PostgreSQL only.
 */
async function drill(move: LiveMove, phase: 'read-switch' | 'write-switch'): Promise<void> {
  const { engine, sides } = move;
  const load = await startLoad(move, LOAD_CONCURRENCY);
  const { ledger } = load;
  try {
    await moveUntilVerified(move, PHASE_LOAD_MS);
    for (;;) {
      await sleep(PHASE_LOAD_MS);
      const advanced = await engine.advance(SERVICE);
      if (advanced.phase === phase) break;
    }
    // under load in `phase`, then back (from write-switch the repair log's writes reach PostgreSQL first)
    await sleep(PHASE_LOAD_MS);
    const rolledBack = await engine.rollback(SERVICE, sides);
    assert.equal(rolledBack.phase, 'idle');
    // once this process applied the rollback's epoch, every write that begins goes to PostgreSQL only
    await engine.waitForMembers(SERVICE, rolledBack.epoch);
    ledger.cut();
    await sleep(PHASE_LOAD_MS);
  } finally {
    await load.stop();
  }
  assert.deepEqual(ledger.failures, []);
  assert.ok(ledger.last.size > LOAD_CONCURRENCY, `only ${ledger.last.size} products were written`);
  assert.ok(ledger.sinceCut.size > 0, 'no write was acknowledged after the rollback');

  // the migration is idle on PostgreSQL, and the process reads and writes there, mirroring nothing
  const state = await engine.state.require(SERVICE);
  assert.deepEqual([state.phase, state.fromStore], ['idle', 'postgres']);
  const ready = await move.platform.app.inject('/readyz');
  assert.deepEqual(ready.json<{ stores: unknown }>().stores, {
    products: { phase: 'idle', reads: 'postgres', writes: 'postgres' },
  });

  // PostgreSQL alone holds every acknowledged write with its last value
  await assertHoldsLedger(sides.from, ledger);
  // each acknowledged change has exactly one event, in whichever outbox was the source of truth's
  await assertOneEventPerChange(move, ledger);
  if (phase === 'write-switch') {
    const inMongoOutbox = await move.mongo.db
      .collection('outbox')
      .countDocuments({ type: { $regex: '^product\\.' } });
    assert.ok(
      inMongoOutbox > 0,
      'no write went to MongoDB first in write-switch: the drill rolled back nothing',
    );
  }
  // writes begun after the rollback reached PostgreSQL only: MongoDB has none of them
  const inMongo = new Map(
    (await sides.to.read('products', [...ledger.sinceCut.keys()])).map((record) => [
      record.key,
      record.version,
    ]),
  );
  for (const [id, firstSinceCut] of ledger.sinceCut) {
    const version = inMongo.get(id);
    assert.ok(
      version === undefined || version < firstSinceCut,
      `product ${id}: MongoDB has version ${version}, written after the rollback (from version ${firstSinceCut})`,
    );
  }
}

for (const { source, skip } of LIVE_MOVE_SOURCES) {
  describe(`rolling the catalogue back under load (${source} → MongoDB → ${source})`, { skip }, () => {
    for (const phase of ['read-switch', 'write-switch'] as const) {
      it(`from ${phase}: PostgreSQL alone holds every acknowledged write, each with one event`, async () => {
        const move = await openLiveMove({ source });
        try {
          await drill(move, phase);
        } finally {
          await move.close();
        }
      });
    }
  });
}
