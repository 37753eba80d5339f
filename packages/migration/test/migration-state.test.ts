import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, type EventEnvelope } from '@polyshop/kernel';
import { migratedTables, type SqlDatabase } from '@polyshop/stores';
import { assertTablesMatchSchema, postgresTargets } from '@polyshop/testing';
import {
  MIGRATION_TABLES,
  MigrationStateStore,
  PHASE_CHANGED,
  PHASES,
  canRollBack,
  type Phase,
  type PhaseChangedData,
} from '../src/index.ts';

/** Asserts that `promise` rejects with an AppError of this kind and code. */
async function rejectsWith(promise: Promise<unknown>, kind: AppError['kind'], code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.kind, kind);
    return true;
  });
}

/** Advances `service` from `idle` (a fresh start) to `phase`. */
async function startAndAdvanceTo(state: MigrationStateStore, service: string, phase: Phase): Promise<void> {
  let current = (await state.start(service, 'postgres', 'mongodb')).phase;
  while (current !== phase) current = (await state.advance(service, current)).phase;
}

for (const target of postgresTargets()) {
  describe(`migration state on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let state: MigrationStateStore;
    before(async () => {
      db = await target.open();
      await MigrationStateStore.migrate(db);
      await MigrationStateStore.migrate(db); // a second run finds nothing to do
      state = new MigrationStateStore(db);
    });
    after(() => db && target.close(db));

    const events = async (service: string) =>
      (
        await db.query<{ envelope: EventEnvelope<PhaseChangedData> }>(
          `SELECT envelope FROM platform.outbox WHERE type = $1 AND aggregate_id = $2 ORDER BY seq`,
          [PHASE_CHANGED, service],
        )
      ).map((row) => row.envelope);

    it('declares every table of the platform schema it creates', async () => {
      await assertTablesMatchSchema(db, [...MIGRATION_TABLES, ...migratedTables('platform')]);
    });

    it('walks every phase in order, bumping the epoch, with one history row and one event per change', async () => {
      const started = await state.start('walk', 'postgres', 'mongodb');
      assert.equal(started.phase, 'dual-write');
      assert.equal(started.epoch, 1);
      assert.deepEqual(started.checkpoint, { after: {}, done: [], completed: false });
      let current = started;
      for (const phase of PHASES.slice(2, -1)) {
        const moved = await state.advance('walk', current.phase);
        assert.equal(moved.phase, phase);
        assert.equal(moved.epoch, current.epoch + 1);
        current = moved;
      }
      assert.equal(current.phase, 'finished');
      const cleaned = await state.cleanup('walk');
      assert.equal(cleaned.phase, 'cleanup');
      assert.equal(cleaned.epoch, 7);

      const history = await state.history('walk');
      assert.deepEqual(
        history.map((change) => [change.fromPhase, change.toPhase, change.epoch]),
        PHASES.slice(1).map((phase, i) => [PHASES[i], phase, i + 1]),
      );
      const published = await events('walk');
      assert.equal(published.length, history.length);
      for (const [i, event] of published.entries()) {
        assert.equal(event.source, 'platform');
        assert.equal(event.aggregateType, 'migration');
        assert.equal(event.aggregateId, 'walk');
        assert.deepEqual(event.data, {
          service: 'walk',
          from: 'postgres',
          to: 'mongodb',
          fromPhase: history[i]!.fromPhase,
          toPhase: history[i]!.toPhase,
          epoch: history[i]!.epoch,
        });
      }
    });

    it('refuses a stale expectation (409 PHASE_CHANGED) and writes nothing for it', async () => {
      await state.start('stale', 'postgres', 'mongodb');
      await state.advance('stale', 'dual-write');
      await rejectsWith(state.advance('stale', 'dual-write'), 'conflict', 'MIGRATION.PHASE_CHANGED');
      // Asking for a later phase than the current one cannot skip the one in between either.
      await rejectsWith(state.advance('stale', 'verify'), 'conflict', 'MIGRATION.PHASE_CHANGED');
      const current = await state.require('stale');
      assert.equal(current.phase, 'backfill');
      assert.equal(current.epoch, 2);
      assert.equal((await events('stale')).length, 2);
    });

    it('lets one of two concurrent advances from the same phase win; the other gets PHASE_CHANGED', async () => {
      await state.start('race', 'postgres', 'mongodb');
      const results = await Promise.allSettled([
        state.advance('race', 'dual-write'),
        state.advance('race', 'dual-write'),
      ]);
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
      const failed = results.find((result) => result.status === 'rejected');
      assert.equal((failed!.reason as AppError).code, 'MIGRATION.PHASE_CHANGED');
      assert.equal((await state.require('race')).phase, 'backfill');
    });

    it('refuses to start a second migration while one runs, from == to, and a from store the service is not on', async () => {
      await state.start('busy', 'postgres', 'mongodb');
      await rejectsWith(state.start('busy', 'postgres', 'mongodb'), 'conflict', 'MIGRATION.ALREADY_RUNNING');
      await rejectsWith(
        state.start('other', 'postgres', 'postgres'),
        'invalid_input',
        'MIGRATION.SAME_STORE',
      );
      await assert.rejects(state.start('other', 'postgres', 'postgres'), { field: 'to' });
      assert.equal(await state.get('other'), undefined);
    });

    it('rolls back from every phase before finished to idle on the from store, keeping the history', async () => {
      for (const phase of PHASES.filter(canRollBack)) {
        const service = `rollback-${phase}`;
        await startAndAdvanceTo(state, service, phase);
        const before = await state.require(service);
        const rolled = await state.rollback(service);
        assert.equal(rolled.phase, 'idle');
        assert.equal(rolled.fromStore, 'postgres');
        assert.equal(rolled.epoch, before.epoch + 1);
        const history = await state.history(service);
        assert.deepEqual(history.at(-1), { ...history.at(-1)!, fromPhase: phase, toPhase: 'idle' });
        assert.equal(history.length, PHASES.indexOf(phase) + 1);
        assert.equal((await events(service)).length, history.length);
        // A new start after a rollback begins from the same store, with a higher epoch.
        await rejectsWith(
          state.start(service, 'mongodb', 'dynamodb'),
          'invalid_input',
          'MIGRATION.FROM_STORE_MISMATCH',
        );
        const again = await state.start(service, 'postgres', 'mongodb');
        assert.equal(again.epoch, rolled.epoch + 1);
      }
    });

    it('refuses a rollback from write-switch while writes to the new store have not reached the old one', async () => {
      await startAndAdvanceTo(state, 'unsynced', 'write-switch');
      await state.repairs.add('unsynced', 'products', ['p1'], 'old store down');
      await rejectsWith(state.rollback('unsynced'), 'conflict', 'MIGRATION.REPAIRS_PENDING');
      await state.repairs.remove('unsynced', 'products', ['p1']);
      assert.equal((await state.rollback('unsynced')).phase, 'idle');
    });

    it('clears the repair log at a rollback before write-switch and at a new start', async () => {
      await startAndAdvanceTo(state, 'stale-log', 'verify');
      await state.repairs.add('stale-log', 'products', ['p1'], 'new store down');
      await state.rollback('stale-log');
      assert.equal(await state.repairs.size('stale-log'), 0);
      await state.repairs.add('stale-log', 'products', ['p2'], 'left over');
      await state.start('stale-log', 'postgres', 'mongodb');
      assert.equal(await state.repairs.size('stale-log'), 0);
    });

    it('refuses rollback in idle, finished and cleanup, and cleanup before finished', async () => {
      await startAndAdvanceTo(state, 'done', 'finished');
      await rejectsWith(state.rollback('done'), 'conflict', 'MIGRATION.CANNOT_ROLL_BACK');
      await rejectsWith(state.advance('done', 'finished'), 'conflict', 'MIGRATION.NO_NEXT_PHASE');
      await state.cleanup('done');
      await rejectsWith(state.rollback('done'), 'conflict', 'MIGRATION.CANNOT_ROLL_BACK');
      await rejectsWith(state.cleanup('done'), 'conflict', 'MIGRATION.NOT_FINISHED');

      for (const phase of PHASES.filter(canRollBack)) {
        await startAndAdvanceTo(state, `early-${phase}`, phase);
        await rejectsWith(state.cleanup(`early-${phase}`), 'conflict', 'MIGRATION.NOT_FINISHED');
      }
      await state.rollback('early-dual-write');
      await rejectsWith(state.rollback('early-dual-write'), 'conflict', 'MIGRATION.CANNOT_ROLL_BACK');
      await rejectsWith(state.advance('nobody', 'idle'), 'not_found', 'MIGRATION.NOT_FOUND');
    });

    it('after a cleanup, a new migration starts from the store the service moved to', async () => {
      const again = await state.start('done', 'mongodb', 'dynamodb');
      assert.equal(again.phase, 'dual-write');
      assert.equal(again.fromStore, 'mongodb');
    });

    it('pauses, resumes and throttles, refusing a rate that is not a positive whole number', async () => {
      await state.start('knobs', 'postgres', 'mongodb');
      assert.equal((await state.pause('knobs')).paused, true);
      assert.equal((await state.resume('knobs')).paused, false);
      assert.equal((await state.setRate('knobs', 250)).rate, 250);
      assert.equal((await state.setRate('knobs', undefined)).rate, undefined);
      await rejectsWith(state.setRate('knobs', 0), 'invalid_input', 'MIGRATION.INVALID_RATE');
      await assert.rejects(state.setRate('knobs', 1.5), { field: 'rate' });
      await rejectsWith(state.pause('nobody'), 'not_found', 'MIGRATION.NOT_FOUND');
    });

    it('saves a checkpoint and adds counts only in backfill', async () => {
      await state.start('points', 'postgres', 'mongodb');
      const checkpoint = { after: { products: 'p9' }, done: ['categories'], completed: false };
      await rejectsWith(state.saveCheckpoint('points', checkpoint), 'conflict', 'MIGRATION.PHASE_CHANGED');
      await state.advance('points', 'dual-write');
      await state.saveCheckpoint('points', checkpoint, { copied: 3, skipped: 1 });
      const saved = await state.saveCheckpoint('points', checkpoint, { copied: 2, skipped: 0 });
      assert.deepEqual(saved.checkpoint, checkpoint);
      assert.deepEqual(saved.backfill, { copied: 5, skipped: 1 });
    });

    it('records a verify pass with the phase and epoch it ran in', async () => {
      const report = { clean: true, differences: 0, kinds: {}, details: [] };
      const saved = await state.recordVerify('points', report);
      assert.deepEqual(saved.lastVerify, {
        ...report,
        phase: 'backfill',
        epoch: 2,
        at: saved.lastVerify!.at,
      });
      const earlier = await state.recordVerify('points', report, { phase: 'dual-write', epoch: 1 });
      assert.deepEqual([earlier.lastVerify!.phase, earlier.lastVerify!.epoch], ['dual-write', 1]);
    });

    it('keeps one repair entry per key, counting attempts, listed in pages and removed by key', async () => {
      await state.repairs.add('shop', 'products', ['b', 'a', 'a'], 'timeout');
      await state.repairs.add('shop', 'products', ['a'], 'connection reset');
      await state.repairs.add('shop', 'categories', ['z'], 'timeout');
      await state.repairs.add('other', 'products', ['a'], 'timeout');
      assert.equal(await state.repairs.size('shop'), 3);
      const all = await state.repairs.list('shop', 10);
      assert.deepEqual(
        all.map((entry) => [entry.kind, entry.key, entry.attempts, entry.reason]),
        [
          ['categories', 'z', 1, 'timeout'],
          ['products', 'a', 2, 'connection reset'],
          ['products', 'b', 1, 'timeout'],
        ],
      );
      const page = await state.repairs.list('shop', 2, all[0]);
      assert.deepEqual(
        page.map((entry) => entry.key),
        ['a', 'b'],
      );
      await state.repairs.remove('shop', 'products', ['a', 'b']);
      assert.equal(await state.repairs.size('shop'), 1);
      assert.equal(await state.repairs.size('other'), 1);
    });

    it('tells which live members have not acknowledged an epoch; the dead and the departed do not count', async () => {
      await state.heartbeat('members', 'p1', 3);
      await state.heartbeat('members', 'p2', 2);
      assert.deepEqual(
        (await state.membersBehind('members', 3, 10_000)).map((member) => member.processId),
        ['p2'],
      );
      assert.equal(await state.allAcknowledged('members', 3, 10_000), false);
      assert.equal(await state.allAcknowledged('members', 2, 10_000), true);
      await state.heartbeat('members', 'p2', 3);
      assert.equal(await state.allAcknowledged('members', 3, 10_000), true);
      await state.heartbeat('members', 'p3', 1);
      await new Promise((resolve) => setTimeout(resolve, 60));
      await state.heartbeat('members', 'p1', 3);
      // p2 and p3 have not heartbeat for 50 ms: with that window they are dead.
      assert.deepEqual(
        (await state.members('members', 50)).map((member) => member.processId),
        ['p1'],
      );
      assert.equal(await state.allAcknowledged('members', 3, 50), true);
      await state.leave('members', 'p3');
      assert.deepEqual(
        (await state.members('members', 10_000)).map((member) => member.processId),
        ['p1', 'p2'],
      );
    });
  });
}
