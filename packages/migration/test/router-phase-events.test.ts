import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope } from '@polyshop/kernel';
import type { SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import {
  MigrationRouter,
  MigrationStateStore,
  PHASE_CHANGED,
  phaseChangeSubscription,
  type MigrationState,
} from '../src/index.ts';

/** A state store that counts the router's reads of a migration. */
class CountingStateStore extends MigrationStateStore {
  reads = 0;
  override get(service: string): Promise<MigrationState | undefined> {
    this.reads += 1;
    return super.get(service);
  }
}

for (const target of postgresTargets()) {
  describe(`migration router on phase-change events, ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let state: CountingStateStore;
    const routers: MigrationRouter[] = [];
    before(async () => {
      db = await target.open();
      await MigrationStateStore.migrate(db);
      state = new CountingStateStore(db);
    });
    after(async () => {
      for (const router of routers) await router.stop();
      if (db) await target.close(db);
    });

    /** A router that, left to its poll, would not look again within the test. */
    async function startedRouter(service: string): Promise<MigrationRouter> {
      const router = new MigrationRouter({
        state,
        service,
        configuredStore: 'postgres',
        refreshMs: 600_000,
        fenceMs: 600_000,
      });
      routers.push(router);
      await router.start();
      return router;
    }

    /** The last `migration.phase_changed` event of `service` in `platform.outbox`, as the relay publishes it. */
    async function lastEvent(service: string): Promise<EventEnvelope> {
      const [row] = await db.query<{ envelope: EventEnvelope }>(
        `SELECT envelope FROM platform.outbox WHERE type = $1 AND aggregate_id = $2 ORDER BY seq DESC LIMIT 1`,
        [PHASE_CHANGED, service],
      );
      assert.ok(row, `a ${PHASE_CHANGED} event of ${service}`);
      return row.envelope;
    }

    it('is a transient subscription to migration.phase_changed, one consumer per process', async () => {
      const one = await startedRouter('named');
      const two = await startedRouter('named');
      const [a, b] = [phaseChangeSubscription(one), phaseChangeSubscription(two)];
      assert.deepEqual([a.types, a.transient], [[PHASE_CHANGED], true]);
      assert.notEqual(a.consumer, b.consumer);
      assert.match(a.consumer, /^named\.migration-router\./);
    });

    it('applies and acknowledges the new phase on the event, long before its next poll', async () => {
      const router = await startedRouter('evented');
      const { handler } = phaseChangeSubscription(router);
      await state.start('evented', 'postgres', 'mongodb');
      await state.advance('evented', 'dual-write');
      assert.equal(router.routing().phase, 'idle', 'no poll has run since start');

      await handler(await lastEvent('evented'));
      assert.deepEqual([router.routing().phase, router.routing().epoch], ['backfill', 2]);
      assert.deepEqual(
        (await state.members('evented', 10_000)).map((member) => [member.processId, member.epoch]),
        [[router.processId, 2]],
      );
    });

    it("ignores another service's event and an epoch it has applied already", async () => {
      const router = await startedRouter('quiet');
      const { handler } = phaseChangeSubscription(router);
      await state.start('other', 'postgres', 'mongodb');
      const reads = state.reads;
      await handler(await lastEvent('other'));
      assert.equal(state.reads, reads, "another service's event reads nothing");

      await state.start('quiet', 'postgres', 'mongodb');
      const event = await lastEvent('quiet');
      await handler(event);
      assert.equal(router.routing().epoch, 1);
      const afterApplied = state.reads;
      await handler(event); // redelivered (the bus is at-least-once)
      assert.equal(state.reads, afterApplied, 'an applied epoch reads nothing');
    });

    it('does nothing once stopped: no heartbeat brings a process that left back', async () => {
      const router = await startedRouter('leaving');
      const { handler } = phaseChangeSubscription(router);
      await router.stop();
      assert.deepEqual(await state.members('leaving', 10_000), []);
      await state.start('leaving', 'postgres', 'mongodb');
      await handler(await lastEvent('leaving'));
      assert.deepEqual(await state.members('leaving', 10_000), []);
      assert.equal(router.routing().phase, 'idle');
    });
  });
}
