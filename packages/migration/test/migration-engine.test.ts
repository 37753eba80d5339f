import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import type { SqlDatabase } from '@polyshop/stores';
import { eventually, postgresTargets } from '@polyshop/testing';
import {
  MigrationEngine,
  MigrationRouter,
  MigrationStateStore,
  WriteGate,
  type MigrationSides,
} from '../src/index.ts';
import { record, records, TableSide } from './table-side.ts';

/** Asserts that `promise` rejects with a 409 AppError of this code, and returns it. */
async function conflict(promise: Promise<unknown>, code: string): Promise<AppError> {
  let caught: AppError | undefined;
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.kind, 'conflict');
    assert.equal(error.code, code);
    caught = error;
    return true;
  });
  return caught!;
}

for (const target of postgresTargets()) {
  describe(`migration engine on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let state: MigrationStateStore;
    let engine: MigrationEngine;
    const routers: MigrationRouter[] = [];
    before(async () => {
      db = await target.open();
      await MigrationStateStore.migrate(db);
      state = new MigrationStateStore(db);
      engine = new MigrationEngine({ state, ackTimeoutMs: 300, pollMs: 20 });
    });
    after(async () => {
      for (const router of routers) await router.stop();
      if (db) await target.close(db);
    });

    /** A process of `service` that refreshes only when told to. */
    async function process(service: string): Promise<MigrationRouter> {
      const router = new MigrationRouter({ state, service, configuredStore: 'old', refreshMs: 60_000 });
      routers.push(router);
      await router.start();
      return router;
    }

    async function sides(service: string): Promise<MigrationSides & { from: TableSide; to: TableSide }> {
      return {
        from: await new TableSide(db, `${service}_old`).create(),
        to: await new TableSide(db, `${service}_new`).create(),
      };
    }

    it('does not leave a phase until every live process acknowledged its epoch (409 MEMBERS_BEHIND naming them)', async () => {
      const one = await process('acks');
      const two = await process('acks');
      await engine.start('acks', 'old', 'new');
      await one.refresh();
      const error = await conflict(engine.advance('acks'), 'MIGRATION.MEMBERS_BEHIND');
      assert.deepEqual(
        (error.details!.members as { processId: string }[]).map((member) => member.processId),
        [two.processId],
      );
      assert.equal((await state.require('acks')).phase, 'dual-write');

      // advance waits: the laggard acknowledges meanwhile and the phase moves on.
      const patient = new MigrationEngine({ state, ackTimeoutMs: 10_000, pollMs: 20 });
      const advancing = patient.advance('acks', 'dual-write');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await two.refresh();
      assert.equal((await advancing).phase, 'backfill');
    });

    it('does not wait for a process whose heartbeat is older than aliveWithinMs', async () => {
      await state.heartbeat('ghosts', 'crashed-process', 0);
      await engine.start('ghosts', 'old', 'new');
      await new Promise((resolve) => setTimeout(resolve, 250));
      const brisk = new MigrationEngine({ state, aliveWithinMs: 200, ackTimeoutMs: 300 });
      assert.equal((await brisk.advance('ghosts')).phase, 'backfill');
    });

    it('goes through every phase only past its gate: backfill complete, a clean verify and an empty repair log', async () => {
      const router = await process('gates');
      const stores = await sides('gates');
      await stores.from.put('products', records(12, 'p'));
      await engine.start('gates', 'old', 'new');
      await conflict(
        engine.runBackfill({ service: 'gates', sides: stores, batchSize: 5 }),
        'MIGRATION.WRONG_PHASE',
      );
      await router.refresh();
      await engine.advance('gates', 'dual-write');
      await router.refresh();
      await conflict(engine.advance('gates'), 'MIGRATION.BACKFILL_INCOMPLETE');

      const backfill = await engine.runBackfill({ service: 'gates', sides: stores, batchSize: 5 });
      assert.equal(backfill.completed, true);
      // A user write the mirror failed to copy, after the backfill passed its key: the log owes it.
      await stores.from.put('products', [record('p0003', 2, 'changed')]);
      await state.repairs.add('gates', 'products', ['p0003'], 'mirror timed out');
      // A write the new store missed with nothing to say so: a difference.
      await stores.from.put('products', [record('p0002', 2, 'unlogged')]);
      // A verify pass during backfill does not count for the switch.
      assert.equal((await engine.verify({ service: 'gates', sides: stores, batchSize: 5 })).clean, false);
      await engine.advance('gates', 'backfill');
      await router.refresh();
      await conflict(engine.advance('gates'), 'MIGRATION.NOT_VERIFIED');

      const dirty = await engine.verify({ service: 'gates', sides: stores, batchSize: 5 });
      assert.deepEqual(
        [dirty.differences, dirty.details.map((d) => d.key), dirty.owed],
        [2, ['p0002', 'p0003'], 1],
      );
      await conflict(engine.advance('gates'), 'MIGRATION.NOT_VERIFIED');
      await engine.verify({ service: 'gates', sides: stores, batchSize: 5, repair: true });
      const repaired = await engine.verify({ service: 'gates', sides: stores, batchSize: 5 });
      assert.deepEqual([repaired.clean, repaired.owed], [true, undefined]);
      assert.equal(await state.repairs.size('gates'), 0); // the repair took the key off the log

      await state.repairs.add('gates', 'products', ['p0004'], 'mirror timed out');
      const pending = await conflict(engine.advance('gates'), 'MIGRATION.NOT_VERIFIED');
      assert.equal(pending.details!.repairs, 1);
      assert.deepEqual(await engine.retryRepairs('gates', stores), { retried: 1, fixed: 1, failed: 0 });
      assert.equal((await engine.advance('gates')).phase, 'read-switch');
      await router.refresh();

      await state.repairs.add('gates', 'products', ['p0005'], 'mirror timed out');
      await conflict(engine.advance('gates'), 'MIGRATION.REPAIRS_PENDING');
      await engine.retryRepairs('gates', stores);
      assert.equal((await engine.advance('gates')).phase, 'write-switch');
      await router.refresh();
      assert.equal(router.routing().primary, 'to');

      // After the write switch the new store is the source: a write the old one missed is repaired from it.
      await stores.to.put('products', [record('p0006', 5, 'written to the new store')]);
      const late = await engine.verify({ service: 'gates', sides: stores, batchSize: 5, repair: true });
      assert.deepEqual(late.repaired, { copied: 1, removed: 0, failed: 0 });
      assert.equal((await stores.from.read('products', ['p0006']))[0]!.version, 5);

      assert.equal((await engine.advance('gates')).phase, 'finished');
      await router.refresh();
      await conflict(engine.advance('gates'), 'MIGRATION.NO_NEXT_PHASE');
      assert.equal((await engine.cleanup('gates', stores.from)).phase, 'cleanup');
      assert.equal(await stores.from.count('products'), 0);
      assert.equal(await stores.to.count('products'), 12);
    });

    it('verify with repair first retries the repair log: keys a backfill copied since leave it, and read-switch opens', async () => {
      const router = await process('relog');
      const stores = await sides('relog');
      await engine.start('relog', 'old', 'new');
      await router.refresh();
      // two user writes during dual-write whose copies failed (the new store was down)
      await stores.from.put('products', [record('p1', 2), record('p2')]);
      await state.repairs.add('relog', 'products', ['p1', 'p2'], 'the new store was down');
      await engine.advance('relog', 'dual-write');
      await router.refresh();
      // the backfill copies both since: the stores agree, the log still names them
      assert.equal(
        (await engine.runBackfill({ service: 'relog', sides: stores, batchSize: 10 })).completed,
        true,
      );
      await engine.advance('relog', 'backfill');
      await router.refresh();
      assert.equal((await engine.verify({ service: 'relog', sides: stores, batchSize: 10 })).clean, true);
      const pending = await conflict(engine.advance('relog'), 'MIGRATION.NOT_VERIFIED');
      assert.equal(pending.details!.repairs, 2);

      const repaired = await engine.verify({ service: 'relog', sides: stores, batchSize: 10, repair: true });
      assert.equal(repaired.clean, true);
      assert.equal(await state.repairs.size('relog'), 0);
      assert.equal((await engine.advance('relog')).phase, 'read-switch');
    });

    it('rolls back from write-switch only after the writes the old store missed reached it', async () => {
      const stores = await sides('back');
      await stores.from.put('products', records(3, 'p'));
      await stores.to.put('products', records(3, 'p'));
      await engine.start('back', 'old', 'new');
      for (const phase of ['dual-write', 'backfill', 'verify', 'read-switch'] as const) {
        if (phase === 'backfill') await engine.runBackfill({ service: 'back', sides: stores, batchSize: 10 });
        if (phase === 'verify') await engine.verify({ service: 'back', sides: stores, batchSize: 10 });
        await engine.advance('back', phase);
      }
      // The new store is the source of truth; a write's copy to the old one failed.
      await stores.to.put('products', [record('p0002', 4, 'written after the switch')]);
      await state.repairs.add('back', 'products', ['p0002'], 'old store timed out');
      await conflict(engine.rollback('back'), 'MIGRATION.REPAIRS_PENDING');
      assert.equal((await engine.rollback('back', stores)).phase, 'idle');
      const [kept] = await stores.from.read('products', ['p0002']);
      assert.equal(kept!.version, 4);
    });

    it('from write-switch, copies to the old store a write in flight whose copy failed after the rollback', async () => {
      const service = 'late';
      const stores = await sides(service);
      await stores.from.put('products', [record('p0001')]);
      await stores.to.put('products', [record('p0001')]);
      const router = await process(service);
      const gate = new WriteGate({ router, state, service, pollMs: 10 });
      try {
        await state.start(service, 'old', 'new');
        for (let phase = (await state.require(service)).phase; phase !== 'write-switch';)
          phase = (await state.advance(service, phase)).phase;
        await router.refresh();
        // a write begun in write-switch: on the new store (the source of truth) already …
        const write = await gate.begin();
        assert.equal(write.routing.phase, 'write-switch');
        await stores.to.put('products', [record('p0001', 2, 'written in write-switch')]);
        // … when the rollback commits (the repair log is empty: nothing to copy first)
        const rolling = engine.rollback(service, stores);
        await eventually(async () => (await state.require(service)).phase === 'idle');
        // … and its copy to the old store fails: Mirror puts the key in the log, after the rollback,
        // with the direction of the write's pinned routing (new store → old store)
        await state.repairs.add(service, 'products', ['p0001'], 'old store timed out', {
          source: 'new',
          target: 'old',
        });
        write.end();
        await router.refresh(); // this process applies the rollback
        assert.equal((await rolling).phase, 'idle');
        // the old store, the source of truth again, has the acknowledged write; the log is empty
        assert.equal((await stores.from.read('products', ['p0001']))[0]!.version, 2);
        assert.equal(await state.repairs.size(service), 0);
      } finally {
        gate.close();
      }
    });

    it('rolls back at once, without waiting for members', async () => {
      const router = await process('undo');
      await engine.start('undo', 'old', 'new');
      await router.refresh();
      await engine.advance('undo');
      // The router has not seen backfill: a rollback does not wait for it.
      assert.equal((await engine.rollback('undo')).phase, 'idle');
      await router.refresh();
      assert.deepEqual([router.routing().phase, router.routing().primary], ['idle', 'from']);
    });
  });
}
