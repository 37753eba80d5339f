import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import { migrate, type SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import {
  MIGRATION_STATE_MIGRATIONS,
  MigrationStateStore,
  runBackfill,
  type BackfillProgress,
} from '../src/index.ts';
import { openStateDatabase, record, records, TableSide } from './table-side.ts';

for (const target of postgresTargets()) {
  describe(`backfill on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let state: MigrationStateStore;
    before(async () => {
      ({ db, state } = await openStateDatabase(target));
    });
    after(() => db && target.close(db));

    /** Two fresh stores for `service`, the source seeded, and its migration in backfill. */
    async function setUp(service: string, categories: number, products: number) {
      const source = await new TableSide(db, `${service}_old`).create();
      const target = await new TableSide(db, `${service}_new`).create();
      await source.put('categories', records(categories, 'c'));
      await source.put('products', records(products, 'p'));
      await state.start(service, source.store, target.store);
      await state.advance(service, 'dual-write');
      return { source, target };
    }

    it('ends at the highest key it saw at its start: live creates with higher keys (dual-written already) do not keep it going', async () => {
      const { source, target } = await setUp('highwater', 1, 20);
      let created = 0;
      // users keep creating while the copy runs, 10 before every batch (written to both stores: dual-write)
      const busy = new Proxy(source, {
        get(side, property) {
          const value: unknown = Reflect.get(side, property, side);
          if (property !== 'scan') return typeof value === 'function' ? value.bind(side) : value;
          return async (kind: string, after: string | undefined, limit: number) => {
            const live = Array.from({ length: 10 }, () => record(`p9${String(created++).padStart(4, '0')}`));
            await source.put('products', live);
            await target.put('products', live);
            return source.scan(kind, after, limit);
          };
        },
      });
      const result = await runBackfill({ state, service: 'highwater', source: busy, target, batchSize: 5 });
      assert.equal(result.completed, true);
      assert.equal(result.copied, 21);
      assert.equal(await target.count('products'), 20 + created);
    });

    it('copies every kind in order and key order, and resumes after an abort from its checkpoint, writing no record twice', async () => {
      const { source, target } = await setUp('resume', 5, 95);
      const controller = new AbortController();
      const seen: BackfillProgress[] = [];
      const first = await runBackfill({
        state,
        service: 'resume',
        source,
        target,
        batchSize: 10,
        signal: controller.signal,
        onProgress: (progress) => {
          seen.push(progress);
          if (progress.copied >= 35) controller.abort();
        },
      });
      assert.equal(first.stopped, 'aborted');
      assert.equal(first.completed, false);
      assert.equal(first.copied, 35); // the 5 categories, then 3 batches of products
      assert.equal(first.skipped, 0);
      assert.deepEqual(
        seen.map((progress) => progress.kind),
        ['categories', 'products', 'products', 'products'],
      );
      assert.ok(seen.every((progress) => progress.total === 100));
      const saved = await state.require('resume');
      assert.deepEqual(saved.checkpoint, {
        after: { categories: 'c0005', products: 'p0030' },
        until: { categories: 'c0005', products: 'p0095' },
        done: ['categories'],
        completed: false,
      });
      assert.equal(await target.count('products'), 30);

      const second = await runBackfill({ state, service: 'resume', source, target, batchSize: 10 });
      assert.equal(second.completed, true);
      assert.equal(second.copied, 65); // only the rest
      assert.equal(second.skipped, 0); // nothing copied twice
      assert.deepEqual((await state.require('resume')).backfill, { copied: 100, skipped: 0 });
      assert.deepEqual((await state.require('resume')).checkpoint.done, ['categories', 'products']);
      assert.deepEqual(
        await target.scan('products', undefined, 1000),
        await source.scan('products', undefined, 1000),
      );
      assert.deepEqual(
        await target.scan('categories', undefined, 1000),
        await source.scan('categories', undefined, 1000),
      );
    });

    it('writes nothing when batches are copied again (a crash between the write and its checkpoint)', async () => {
      const { source, target } = await setUp('again', 0, 40);
      await runBackfill({ state, service: 'again', source, target, batchSize: 10 });
      // Back to the checkpoint of 20 records ago, as if the last two saves were lost.
      await state.saveCheckpoint('again', {
        after: { products: 'p0020' },
        done: ['categories'],
        completed: false,
      });
      const replay = await runBackfill({ state, service: 'again', source, target, batchSize: 10 });
      assert.deepEqual([replay.copied, replay.skipped, replay.completed], [0, 20, true]);
    });

    it('never overwrites a newer dual-written record with the older snapshot', async () => {
      const { source, target } = await setUp('newer', 0, 20);
      await target.put('products', [record('p0005', 3, 'dual-written'), record('p0006', 1, 'same version')]);
      const result = await runBackfill({ state, service: 'newer', source, target, batchSize: 8 });
      assert.deepEqual([result.copied, result.skipped], [18, 2]);
      const [kept, same] = await target.read('products', ['p0005', 'p0006']);
      assert.deepEqual([kept!.version, (kept!.body as { name: string }).name], [3, 'dual-written']);
      assert.deepEqual([same!.version, (same!.body as { name: string }).name], [1, 'same version']);
    });

    it('keeps to the rate: N records at R per second take at least about N / R seconds', async () => {
      const { source, target } = await setUp('rate', 0, 60);
      const started = performance.now();
      const result = await runBackfill({ state, service: 'rate', source, target, batchSize: 10, rate: 200 });
      const elapsed = performance.now() - started;
      assert.equal(result.copied, 60);
      assert.ok(elapsed >= (60 / 200) * 1000 * 0.9, `60 records at 200/s took ${elapsed} ms`);
    });

    it('takes the rate saved with the migration when none is given', async () => {
      const { source, target } = await setUp('saved_rate', 0, 30);
      await state.setRate('saved_rate', 100);
      const started = performance.now();
      await runBackfill({ state, service: 'saved_rate', source, target, batchSize: 10 });
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= (30 / 100) * 1000 * 0.9, `30 records at 100/s took ${elapsed} ms`);
    });

    it('lets throttle lower the rate batch by batch (a live p99 above its target)', async () => {
      const { source, target } = await setUp('backoff', 0, 40);
      const seen: (number | undefined)[] = [];
      const started = performance.now();
      await runBackfill({
        state,
        service: 'backoff',
        source,
        target,
        batchSize: 10,
        throttle: (rate) => {
          seen.push(rate);
          return 100; // unthrottled by configuration, slowed to 100/s by the hook
        },
      });
      const elapsed = performance.now() - started;
      assert.ok(seen.length >= 4 && seen.every((rate) => rate === undefined));
      assert.ok(elapsed >= (40 / 100) * 1000 * 0.9, `40 records at 100/s took ${elapsed} ms`);
    });

    it('stops during a throttle wait when aborted, leaving the checkpoint of the last batch', async () => {
      const { source, target } = await setUp('abort_wait', 0, 50);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 150);
      const result = await runBackfill({
        state,
        service: 'abort_wait',
        source,
        target,
        batchSize: 10,
        rate: 20,
        signal: controller.signal,
      });
      assert.equal(result.stopped, 'aborted');
      assert.ok(result.copied < 50);
      const saved = await state.require('abort_wait');
      assert.equal(await target.count('products'), saved.backfill.copied);
    });

    it('does not run while paused', async () => {
      const { source, target } = await setUp('paused', 0, 10);
      await state.pause('paused');
      const result = await runBackfill({ state, service: 'paused', source, target, batchSize: 10 });
      assert.deepEqual([result.stopped, result.copied], ['paused', 0]);
      await state.resume('paused');
      assert.equal(
        (await runBackfill({ state, service: 'paused', source, target, batchSize: 10 })).copied,
        10,
      );
    });

    const running = (error: unknown) =>
      error instanceof AppError && error.code === 'MIGRATION.BACKFILL_RUNNING' && error.kind === 'conflict';

    it('runs one backfill of a service at a time: a second is refused with BACKFILL_RUNNING while the first holds its lease', async () => {
      const { source, target } = await setUp('lease', 0, 60);
      const first = runBackfill({ state, service: 'lease', source, target, batchSize: 10, rate: 200 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await assert.rejects(
        runBackfill({ state, service: 'lease', source, target, batchSize: 10 }),
        (error) => {
          assert.ok(running(error), String(error));
          assert.match((error as AppError).message, /A backfill of lease is already running/);
          return true;
        },
      );
      const done = await first;
      assert.deepEqual([done.completed, done.copied, done.skipped], [true, 60, 0]);
      assert.deepEqual((await state.require('lease')).backfill, { copied: 60, skipped: 0 });
      assert.equal(await state.backfillLease('lease'), undefined); // given up at the end
    });

    it('takes over the lease of a holder that died once it expires, and goes on from the checkpoint', async () => {
      const { source, target } = await setUp('dead_holder', 0, 30);
      await target.put('products', records(10, 'p')); // what the dead run had copied and checkpointed
      await state.saveCheckpoint('dead_holder', {
        after: { products: 'p0010' },
        done: ['categories'],
        completed: false,
      });
      await state.acquireBackfillLease('dead_holder', 'killed-process', 300); // never renewed: kill -9
      await assert.rejects(
        runBackfill({ state, service: 'dead_holder', source, target, batchSize: 10 }),
        running,
      );
      await new Promise((resolve) => setTimeout(resolve, 400));
      const result = await runBackfill({ state, service: 'dead_holder', source, target, batchSize: 10 });
      assert.deepEqual([result.completed, result.copied, result.skipped], [true, 20, 0]);
    });

    it('stops with BACKFILL_RUNNING, before advancing the checkpoint, once another run took its lease over', async () => {
      const { source, target } = await setUp('taken_over', 0, 50);
      const stalled = runBackfill({ state, service: 'taken_over', source, target, batchSize: 10, rate: 40 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      // as if its lease had expired during a stall and another process had taken it
      await db.query(
        `UPDATE platform.migration_backfill_leases SET holder = 'other' WHERE service = 'taken_over'`,
      );
      const before = (await state.require('taken_over')).checkpoint;
      await assert.rejects(stalled, running);
      assert.deepEqual((await state.require('taken_over')).checkpoint, before);
      assert.equal((await state.backfillLease('taken_over'))?.holder, 'other'); // not released by the loser
    });

    it('stops with PHASE_CHANGED when rolled back and started again under it (another epoch)', async () => {
      const { source, target } = await setUp('restarted', 0, 50);
      const running = runBackfill({ state, service: 'restarted', source, target, batchSize: 10, rate: 50 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await state.rollback('restarted');
      await state.start('restarted', source.store, target.store);
      await state.advance('restarted', 'dual-write');
      await assert.rejects(
        running,
        (error: unknown) => error instanceof AppError && error.code === 'MIGRATION.PHASE_CHANGED',
      );
      const fresh = await state.require('restarted');
      assert.deepEqual(fresh.checkpoint, { after: {}, done: [], completed: false });
      assert.deepEqual(fresh.backfill, { copied: 0, skipped: 0 });
    });

    it('stops with PHASE_CHANGED when the migration is rolled back under it', async () => {
      const { source, target } = await setUp('rolled', 0, 50);
      const running = runBackfill({ state, service: 'rolled', source, target, batchSize: 10, rate: 50 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await state.rollback('rolled');
      await assert.rejects(
        running,
        (error: unknown) => error instanceof AppError && error.code === 'MIGRATION.PHASE_CHANGED',
      );
      assert.ok((await target.count('products')) < 50);
    });
  });
}

for (const target of postgresTargets()) {
  describe(
    `backfill lease on a ${target.name} state store made before it existed`,
    { skip: target.skip },
    () => {
      it('adds its table (migration-0002) to a migration-0001 database, whose migrations go on', async () => {
        const db = await target.open();
        try {
          await migrate(db, { schema: 'platform', migrations: MIGRATION_STATE_MIGRATIONS.slice(0, 1) });
          // a migration in backfill, as the code of migration-0001 wrote it
          await db.query(
            `INSERT INTO platform.migrations (service, from_store, to_store, phase, epoch, paused, rate, checkpoint, backfill, last_verify, started_at, updated_at)
             VALUES ('upgraded', 'postgres', 'mongodb', 'backfill', 2, false, NULL, $1, $2, NULL, now(), now())`,
            [
              JSON.stringify({ after: {}, done: [], completed: false }),
              JSON.stringify({ copied: 0, skipped: 0 }),
            ],
          );
          await MigrationStateStore.migrate(db);
          const state = new MigrationStateStore(db);
          assert.equal((await state.require('upgraded')).phase, 'backfill');
          const source = await new TableSide(db, 'upgraded_old').create();
          const copy = await new TableSide(db, 'upgraded_new').create();
          await source.put('products', records(3, 'p'));
          const result = await runBackfill({
            state,
            service: 'upgraded',
            source,
            target: copy,
            batchSize: 2,
          });
          assert.deepEqual([result.completed, result.copied], [true, 3]);
        } finally {
          await target.close(db);
        }
      });
    },
  );
}
