import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppError } from '@polyshop/kernel';
import type { SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import { MigrationRouter, MigrationStateStore, WriteGate, type Phase } from '../src/index.ts';

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = promise.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Two processes of one service, each with its router and write gate, over one real control store:
 * a new epoch is acknowledged only after the writes begun before it ended, and when the source of
 * truth flips no process writes the new primary while another may still write the old one.
 */
for (const target of postgresTargets()) {
  describe(`write gate on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let state: MigrationStateStore;
    const routers: MigrationRouter[] = [];
    const gates: WriteGate[] = [];
    before(async () => {
      db = await target.open();
      await MigrationStateStore.migrate(db);
      state = new MigrationStateStore(db);
    });
    after(async () => {
      for (const gate of gates) gate.close();
      for (const router of routers) await router.stop();
      if (db) await target.close(db);
    });

    async function process(service: string, holdTimeoutMs = 10_000) {
      const router = new MigrationRouter({ state, service, configuredStore: 'postgres', refreshMs: 60_000 });
      routers.push(router);
      await router.start();
      const gate = new WriteGate({ router, state, service, pollMs: 10, holdTimeoutMs });
      gates.push(gate);
      return { router, gate };
    }
    async function moveTo(service: string, phase: Phase): Promise<void> {
      for (let current = (await state.require(service)).phase; current !== phase;) {
        current = (await state.advance(service, current)).phase;
      }
    }

    it('acknowledges a new epoch only once the writes begun under the old one have ended', async () => {
      const service = 'drain-test';
      const a = await process(service);
      const write = await a.gate.begin();
      await state.start(service, 'postgres', 'mongodb');
      const refreshed = a.router.refresh();
      assert.equal(await settlesWithin(refreshed, 100), false, 'the refresh waits for the write in flight');
      assert.deepEqual(await state.membersBehind(service, 1, 60_000).then((m) => m.length), 1);
      // a write begun meanwhile already follows the new phase
      const next = await a.gate.begin();
      assert.equal(next.routing.phase, 'dual-write');
      assert.equal(write.routing.phase, 'idle');
      write.end();
      await refreshed;
      next.end();
      assert.equal(await state.allAcknowledged(service, 1, 60_000), true);
    });

    it('holds writes at the write switch until every process has left the old source of truth', async () => {
      const service = 'cutover-test';
      await state.start(service, 'postgres', 'mongodb');
      await moveTo(service, 'read-switch');
      const [a, b] = [await process(service), await process(service)];
      const late = await b.gate.begin();
      assert.equal(late.routing.primary, 'from');
      await moveTo(service, 'write-switch');
      await a.router.refresh();
      const held = a.gate.begin();
      assert.equal(
        await settlesWithin(held, 150),
        false,
        'A holds its write while B may write the old primary',
      );
      const refreshedB = b.router.refresh();
      late.end();
      await refreshedB;
      const released = await held;
      assert.equal(released.routing.primary, 'to');
      released.end();
    });

    it('refuses a held write with a 503 when another process does not catch up in time', async () => {
      const service = 'cutover-timeout';
      await state.start(service, 'postgres', 'mongodb');
      await moveTo(service, 'read-switch');
      const [a] = [await process(service, 100), await process(service)];
      await moveTo(service, 'write-switch');
      await a.router.refresh();
      await assert.rejects(a.gate.begin(), (error: AppError) => {
        assert.equal(error.kind, 'unavailable');
        assert.equal(error.code, 'MIGRATION.CUTOVER_IN_PROGRESS');
        return true;
      });
    });
  });
}
