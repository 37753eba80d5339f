import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, statusOf } from '@polyshop/kernel';
import type { SqlDatabase } from '@polyshop/stores';
import { eventually, postgresTargets } from '@polyshop/testing';
import { MigrationRouter, MigrationStateStore, routingOf, type ServiceRouting } from '../src/index.ts';

for (const target of postgresTargets()) {
  describe(`migration router on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let state: MigrationStateStore;
    const routers: MigrationRouter[] = [];
    before(async () => {
      db = await target.open();
      await MigrationStateStore.migrate(db);
      state = new MigrationStateStore(db);
    });
    after(async () => {
      for (const router of routers) await router.stop();
      if (db) await target.close(db);
    });

    function router(
      service: string,
      options: { refreshMs?: number; fenceMs?: number; over?: MigrationStateStore } = {},
    ) {
      const created = new MigrationRouter({
        state: options.over ?? state,
        service,
        configuredStore: 'postgres',
        refreshMs: options.refreshMs ?? 60_000,
        fenceMs: options.fenceMs ?? 60_000,
      });
      routers.push(created);
      return created;
    }

    it('routes to the configured store while no migration exists, and heartbeats epoch 0', async () => {
      const idle = router('plain');
      await idle.start();
      assert.deepEqual(idle.routing(), {
        phase: 'idle',
        epoch: 0,
        fromStore: 'postgres',
        toStore: 'postgres',
        ...routingOf('idle'),
      });
      idle.assertWritable();
      assert.deepEqual(
        (await state.members('plain', 10_000)).map((member) => [member.processId, member.epoch]),
        [[idle.processId, 0]],
      );
    });

    it('applies a phase change on refresh(), tells its listeners once, then acknowledges the epoch', async () => {
      const live = router('shop');
      await live.start();
      const changes: [ServiceRouting, ServiceRouting][] = [];
      live.onChange(async (next, previous) => {
        // The epoch is acknowledged only after the listener is done.
        assert.equal((await state.members('shop', 10_000))[0]!.epoch, previous.epoch);
        changes.push([next, previous]);
      });
      await state.start('shop', 'postgres', 'mongodb');
      await live.refresh();
      await live.refresh(); // nothing new: no second call
      assert.equal(changes.length, 1);
      const [next, previous] = changes[0]!;
      assert.equal(previous.phase, 'idle');
      assert.deepEqual(next, {
        phase: 'dual-write',
        epoch: 1,
        fromStore: 'postgres',
        toStore: 'mongodb',
        ...routingOf('dual-write'),
      });
      assert.deepEqual(live.routing(), next);
      assert.equal((await state.members('shop', 10_000))[0]!.epoch, 1);
    });

    it('picks up a phase change by itself every refreshMs, without restart', async () => {
      const polling = router('polled', { refreshMs: 30 });
      await polling.start();
      await state.start('polled', 'postgres', 'dynamodb');
      await state.advance('polled', 'dual-write');
      await eventually(() => polling.routing().phase === 'backfill', {
        message: 'the router to see backfill',
      });
      await eventually(async () => (await state.allAcknowledged('polled', 2, 10_000)) || undefined, {
        message: 'the router to acknowledge epoch 2',
      });
      await state.rollback('polled');
      await eventually(() => polling.routing().phase === 'idle', {
        message: 'the router to see the rollback',
      });
      assert.equal(polling.routing().primary, 'from');
      assert.equal(polling.routing().fromStore, 'postgres');
    });

    it('refuses writes with a 503 once the control store has been unreachable for fenceMs', async () => {
      // The router's own connection to the control store, closed below for real.
      const control = await target.open();
      let closed = false;
      try {
        await MigrationStateStore.migrate(control);
        const fenceMs = 400;
        const cut = router('fenced', { refreshMs: 25, fenceMs, over: new MigrationStateStore(control) });
        await cut.start();
        const before = performance.now();
        await cut.refresh();
        cut.assertWritable();
        await target.close(control); // closes the connection (and drops the database on the server)
        closed = true;
        const error = await eventually(
          () => {
            try {
              cut.assertWritable();
              return undefined;
            } catch (thrown) {
              return thrown;
            }
          },
          { message: 'the router to refuse writes' },
        );
        assert.ok(performance.now() - before >= fenceMs, 'refused before fenceMs had passed');
        assert.ok(error instanceof AppError);
        assert.equal(error.kind, 'unavailable');
        assert.equal(statusOf(error.kind), 503);
        assert.equal(error.code, 'MIGRATION.CONTROL_UNREACHABLE');
        assert.equal(cut.routing().phase, 'idle'); // reads keep the last routing
      } finally {
        if (!closed) await target.close(control);
      }
    });

    it('with fenceMs Infinity (an embedded control store) refuses writes only until its first read', async () => {
      const control = await target.open();
      let closed = false;
      try {
        await MigrationStateStore.migrate(control);
        const embedded = router('embedded', {
          refreshMs: 25,
          fenceMs: Infinity,
          over: new MigrationStateStore(control),
        });
        assert.throws(() => embedded.assertWritable(), /has not answered for any read yet/);
        await embedded.start();
        embedded.assertWritable();
        await target.close(control);
        closed = true;
        // reads now fail at every refresh; a finite fence would refuse after them, this one does not
        await new Promise((resolve) => setTimeout(resolve, 200));
        embedded.assertWritable();
      } finally {
        if (!closed) await target.close(control);
      }
    });

    it('stays writable while its listeners take longer than fenceMs to apply a phase, heartbeating the epoch it applied', async () => {
      const fenceMs = 200;
      const draining = router('draining', { refreshMs: 25, fenceMs });
      await draining.start();
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let applying = false;
      // as the write gate does: the new phase applies once the writes begun under the old one ended
      draining.onChange(async () => {
        applying = true;
        await released;
      });
      await state.start('draining', 'postgres', 'mongodb');
      const refreshed = draining.refresh();
      await eventually(() => applying, { message: 'the listener to start' });
      await new Promise((resolve) => setTimeout(resolve, 3 * fenceMs));
      draining.assertWritable(); // the control store answers: not fenced off
      const members = () => state.members('draining', 10_000);
      assert.deepEqual(
        (await members()).map((member) => member.epoch),
        [0],
        'the epoch is acknowledged only once applied',
      );
      release();
      await refreshed;
      assert.deepEqual(
        (await members()).map((member) => member.epoch),
        [1],
      );
    });

    it('is fenced off while its listeners apply a phase the control store has already left', async () => {
      const fenceMs = 200;
      const stale = router('left-behind', { refreshMs: 25, fenceMs });
      await stale.start();
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let applying = false;
      stale.onChange(async (next) => {
        if (next.phase !== 'dual-write') return;
        applying = true;
        await released;
      });
      await state.start('left-behind', 'postgres', 'mongodb');
      const refreshed = stale.refresh();
      await eventually(() => applying, { message: 'the listener to start' });
      await state.rollback('left-behind'); // a newer epoch: this process no longer knows the phase
      try {
        await eventually(
          () => {
            try {
              stale.assertWritable();
              return false;
            } catch (error) {
              return (error as AppError).code === 'MIGRATION.CONTROL_UNREACHABLE';
            }
          },
          { timeoutMs: 10 * fenceMs, message: 'the router to refuse writes' },
        );
      } finally {
        release();
        await refreshed;
      }
    });

    it('refuses writes before its first read of the control store', () => {
      const fresh = router('never-read');
      assert.throws(() => fresh.assertWritable(), { code: 'MIGRATION.CONTROL_UNREACHABLE' });
    });
  });
}
