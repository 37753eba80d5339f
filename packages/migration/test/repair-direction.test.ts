import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import { migrate, type SqlDatabase } from '@polyshop/stores';
import { eventually, postgresTargets } from '@polyshop/testing';
import {
  MIGRATION_STATE_MIGRATIONS,
  MigrationEngine,
  MigrationStateStore,
  MovableStores,
  type MigrationRecord,
  type MigrationSide,
  type MovableStore,
  type Phase,
  type UpsertOptions,
} from '../src/index.ts';
import { record, TableSide } from './table-side.ts';

/** A side whose store can be cut off: while `down`, every read and write rejects. */
class FlakySide implements MigrationSide {
  down = false;
  /** While set, writes reject and reads still answer. */
  writesDown = false;
  readonly #side: TableSide;

  constructor(side: TableSide) {
    this.#side = side;
  }

  get store(): string {
    return this.#side.store;
  }

  get kinds(): readonly string[] {
    return this.#side.kinds;
  }

  #up(): void {
    if (this.down) throw new Error(`${this.store} is unreachable`);
  }

  scan(kind: string, after: string | undefined, limit: number): Promise<MigrationRecord[]> {
    this.#up();
    return this.#side.scan(kind, after, limit);
  }

  lastKey(kind: string): Promise<string | undefined> {
    this.#up();
    return this.#side.lastKey(kind);
  }

  async read(kind: string, keys: readonly string[]): Promise<MigrationRecord[]> {
    this.#up();
    return this.#side.read(kind, keys);
  }

  async upsertIfNewer(
    kind: string,
    records: readonly MigrationRecord[],
    options?: UpsertOptions,
  ): Promise<string[]> {
    this.#up();
    this.#writable();
    return this.#side.upsertIfNewer(kind, records, options);
  }

  #writable(): void {
    if (this.writesDown) throw new Error(`${this.store} refuses writes`);
  }

  async remove(kind: string, keys: readonly string[]): Promise<void> {
    this.#up();
    this.#writable();
    return this.#side.remove(kind, keys);
  }

  count(kind: string): Promise<number> {
    this.#up();
    return this.#side.count(kind);
  }

  canonical(kind: string, body: unknown): unknown {
    return this.#side.canonical(kind, body);
  }

  drop(): Promise<void> {
    this.#up();
    return this.#side.drop();
  }

  /** Writes as the service's repository would (no version check), even while down: seeding. */
  put(kind: string, records: readonly MigrationRecord[]): Promise<void> {
    return this.#side.put(kind, records);
  }
}

/** Asserts that `promise` rejects with an AppError of this code, and returns it. */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<AppError> {
  let caught: AppError | undefined;
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    caught = error;
    return true;
  });
  return caught!;
}

async function version(side: MigrationSide, key: string): Promise<number | undefined> {
  return (await side.read('products', [key]))[0]?.version;
}

for (const target of postgresTargets()) {
  describe(`repair log directions on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let state: MigrationStateStore;
    let engine: MigrationEngine;
    const opened: MovableStores<MovableStore>[] = [];
    before(async () => {
      db = await target.open();
      await MigrationStateStore.migrate(db);
      state = new MigrationStateStore(db);
      engine = new MigrationEngine({ state, ackTimeoutMs: 2000, pollMs: 20 });
    });
    after(async () => {
      for (const stores of opened) await stores.stop();
      if (db) await target.close(db);
    });

    /**
     * A process of `service` moving from the store `old` to the store `new` (two TableSides, the new
     * one able to go down), whose router refreshes only when told to.
     */
    async function serve(service: string) {
      const sides = {
        from: new FlakySide(await new TableSide(db, `${service}_old`).create()),
        to: new FlakySide(await new TableSide(db, `${service}_new`).create()),
      };
      const stores = await MovableStores.open<MovableStore>({
        service,
        control: db,
        configuredStore: 'old',
        refreshMs: 60_000,
        openStore: async (store) => ({
          side: store === 'old' ? sides.from : sides.to,
          ping: async () => undefined,
        }),
      });
      opened.push(stores);
      return { stores, sides };
    }

    /** Starts the move of `service` and takes it to `phase` (gates aside), the process following. */
    async function moveTo(service: string, phase: Phase, stores: MovableStores<MovableStore>): Promise<void> {
      let current = (await state.start(service, 'old', 'new')).phase;
      while (current !== phase) current = (await state.advance(service, current)).phase;
      await stores.router.refresh();
    }

    it('a write of read-switch whose copy failed as the engine switched writes reaches the new store by the retry in write-switch', async () => {
      const service = 'forward';
      const { stores, sides } = await serve(service);
      await sides.from.put('products', [record('p1'), record('p2')]);
      await sides.to.put('products', [record('p1'), record('p2')]);
      await moveTo(service, 'read-switch', stores);

      // a user write pinned to read-switch: the old store (its source of truth) takes it …
      await stores.write(async (primary, routing) => {
        assert.equal(routing.phase, 'read-switch');
        await primary.side.upsertIfNewer('products', [record('p1', 2, 'acknowledged')]);
        // … the engine switches writes meanwhile (the repair log is empty) …
        assert.equal((await engine.advance(service, 'read-switch')).phase, 'write-switch');
        // … and its copy to the new store fails: the key goes to the repair log
        sides.to.down = true;
        return { result: undefined, touched: [['products', ['p1']]] };
      });
      const [entry] = await state.repairs.list(service, 10);
      assert.deepEqual(entry!.direction, { source: 'old', target: 'new' });
      await stores.router.refresh();
      assert.equal(stores.routing().phase, 'write-switch');
      // the cut-over's copy to the new store (before writes on it go on) fails too: it is still down
      (await stores.begin()).end();
      assert.equal(await state.repairs.size(service, 'new'), 1);

      // the new store, the source of truth now, misses the write: the migration cannot finish
      await rejectsWith(engine.advance(service), 'MIGRATION.REPAIRS_PENDING');
      // a repairing verify while the new store is still down keeps the old store's newer copy
      await engine.verify({ service, sides, batchSize: 10, repair: true }).catch(() => undefined);
      assert.equal(await version(sides.from, 'p1'), 2);

      // the retry copies the way the write went: old → new
      sides.to.down = false;
      assert.deepEqual(await engine.retryRepairs(service, sides), { retried: 1, fixed: 1, failed: 0 });
      assert.equal(await version(sides.to, 'p1'), 2);
      assert.equal(await state.repairs.size(service), 0);
      assert.equal((await engine.verify({ service, sides, batchSize: 10 })).clean, true);
      assert.equal((await engine.advance(service)).phase, 'finished');
    });

    it('at the write switch, held writes go on only after the writes the new store missed were copied to it', async () => {
      const service = 'cutover';
      const { stores, sides } = await serve(service);
      await sides.from.put('products', [record('p1')]);
      await sides.to.put('products', [record('p1')]);
      await moveTo(service, 'read-switch', stores);
      await stores.write(async (primary) => {
        await primary.side.upsertIfNewer('products', [record('p1', 2, 'acknowledged')]);
        await engine.advance(service, 'read-switch');
        sides.to.down = true;
        return { result: undefined, touched: [['products', ['p1']]] };
      });
      sides.to.down = false; // back before this process applies write-switch
      await stores.router.refresh();
      // the first write on the new store finds the acknowledged write there, with no retry by anyone
      const next = await stores.begin();
      try {
        assert.equal(next.routing.phase, 'write-switch');
        assert.equal(await version(sides.to, 'p1'), 2);
        assert.equal(await state.repairs.size(service), 0);
      } finally {
        next.end();
      }
    });

    it('in write-switch, verify --repair lets the newer record win, never forcing the new store over a newer old copy', async () => {
      const service = 'newer';
      const { stores, sides } = await serve(service);
      await sides.from.put('products', [record('p1'), record('p2'), record('p3'), record('p4')]);
      await sides.to.put('products', [record('p1'), record('p2'), record('p3')]);
      await moveTo(service, 'write-switch', stores);
      // p1: the old store is newer (a write before the switch, its copy lost, no log entry left);
      // p2: the new store is newer (a write after it); p3: same version, different content;
      // p4: only in the old store (deleted from the new one, the removal not copied)
      await sides.from.put('products', [record('p1', 3, 'old is newer'), record('p3', 1, 'stale')]);
      await sides.to.put('products', [record('p2', 4, 'new is newer')]);

      const report = await engine.verify({ service, sides, batchSize: 10, repair: true });
      assert.equal(report.differences, 4);
      assert.deepEqual(report.repaired, { copied: 3, removed: 1, failed: 0 });
      for (const side of [sides.from, sides.to]) {
        assert.equal(await version(side, 'p1'), 3);
        assert.equal(await version(side, 'p2'), 4);
      }
      assert.equal(await version(sides.from, 'p4'), undefined);
      assert.equal((await engine.verify({ service, sides, batchSize: 10 })).clean, true);
    });

    it("in write-switch, a by-version repair that cannot copy the old store's newer record logs it old → new", async () => {
      const service = 'newer_failed';
      const { stores, sides } = await serve(service);
      await sides.from.put('products', [record('p1', 3, 'old is newer')]);
      await sides.to.put('products', [record('p1')]);
      await moveTo(service, 'write-switch', stores);
      sides.to.writesDown = true;
      const report = await engine.verify({ service, sides, batchSize: 10, repair: true });
      assert.deepEqual(report.repaired, { copied: 0, removed: 0, failed: 1 });
      const [entry] = await state.repairs.list(service, 10);
      assert.deepEqual(entry!.direction, { source: 'old', target: 'new' });
      await rejectsWith(engine.advance(service), 'MIGRATION.REPAIRS_PENDING');
      sides.to.writesDown = false;
      assert.deepEqual(await engine.retryRepairs(service, sides), { retried: 1, fixed: 1, failed: 0 });
      assert.equal(await version(sides.to, 'p1'), 3);
      assert.equal(await version(sides.from, 'p1'), 3);
    });

    it('a write of write-switch whose copy failed after a rollback reaches the old store, by a rollback run again', async () => {
      const service = 'backward';
      const { stores, sides } = await serve(service);
      await sides.from.put('products', [record('p1')]);
      await sides.to.put('products', [record('p1')]);
      await moveTo(service, 'write-switch', stores);

      let rolling: Promise<unknown> | undefined;
      await stores.write(async (primary, routing) => {
        assert.equal(routing.phase, 'write-switch');
        // a write on the new store (the source of truth of write-switch) …
        await primary.side.upsertIfNewer('products', [record('p1', 2, 'acknowledged')]);
        // … as the rollback commits (nothing in the log to copy first) …
        rolling = engine.rollback(service, sides);
        rolling.catch(() => undefined);
        await eventually(async () => (await state.require(service)).phase === 'idle');
        // … and its copy to the old store fails
        sides.from.down = true;
        return { result: undefined, touched: [['products', ['p1']]] };
      });
      const [entry] = await state.repairs.list(service, 10);
      assert.deepEqual(entry!.direction, { source: 'new', target: 'old' });
      await stores.router.refresh(); // this process applies the rollback

      // the rollback's retry fails too (the old store is still down): 503 naming the key, kept in the log
      const failed = await rejectsWith(rolling!, 'MIGRATION.ROLLBACK_REPAIRS_FAILED');
      assert.match(failed.message, /products\/p1/);
      assert.equal(await state.repairs.size(service, 'old'), 1);
      // a new start would drop it: refused
      await rejectsWith(state.start(service, 'old', 'new'), 'MIGRATION.REPAIRS_PENDING');

      // a retry in idle copies new → old, as the write went (not old → new, the idle routing)
      sides.from.down = false;
      assert.deepEqual(await engine.retryRepairs(service, sides), { retried: 1, fixed: 1, failed: 0 });
      assert.equal(await version(sides.from, 'p1'), 2);
      assert.equal(await state.repairs.size(service), 0);
    });

    it('in idle, a rollback run again retries the writes the old store still misses', async () => {
      const service = 'again';
      const { stores, sides } = await serve(service);
      await sides.from.put('products', [record('p1')]);
      await sides.to.put('products', [record('p1', 2, 'acknowledged in write-switch')]);
      await moveTo(service, 'write-switch', stores);
      await state.rollback(service);
      await stores.router.refresh();
      await state.repairs.add(service, 'products', ['p1'], 'old store down', {
        source: 'new',
        target: 'old',
      });
      const idle = await engine.rollback(service, sides);
      assert.equal(idle.phase, 'idle');
      assert.equal(await version(sides.from, 'p1'), 2);
      assert.equal(await state.repairs.size(service), 0);
      // with nothing owed, a rollback in idle is refused as before
      await rejectsWith(engine.rollback(service, sides), 'MIGRATION.CANNOT_ROLL_BACK');
    });

    it('entries without a direction (recorded before migration-0003) are copied from the current primary', async () => {
      const service = 'legacy';
      const { stores, sides } = await serve(service);
      await sides.from.put('products', [record('p1', 2)]);
      await sides.to.put('products', [record('p1')]);
      await moveTo(service, 'verify', stores);
      await state.repairs.add(service, 'products', ['p1'], 'no direction');
      assert.equal((await state.repairs.list(service, 10))[0]!.direction, undefined);
      assert.deepEqual(await engine.retryRepairs(service, sides), { retried: 1, fixed: 1, failed: 0 });
      assert.equal(await version(sides.to, 'p1'), 2);
    });
  });

  describe(
    `repair log on a ${target.name} state store made before migration-0003`,
    { skip: target.skip },
    () => {
      it('adds the direction columns to an existing repair log, its entries kept without a direction', async () => {
        const db = await target.open();
        try {
          await migrate(db, { schema: 'platform', migrations: MIGRATION_STATE_MIGRATIONS.slice(0, 2) });
          await db.query(
            `INSERT INTO platform.migration_repairs (service, kind, key, reason, attempts, first_seen_at, last_seen_at)
           VALUES ('upgraded', 'products', 'p1', 'mirror timed out', 1, now(), now())`,
          );
          await MigrationStateStore.migrate(db);
          const columns = await db.query<{ column_name: string }>(
            `SELECT column_name FROM information_schema.columns
           WHERE table_schema = 'platform' AND table_name = 'migration_repairs' ORDER BY column_name`,
          );
          const names = columns.map((column) => column.column_name);
          assert.ok(names.includes('source_store') && names.includes('target_store'), names.join(', '));
          const state = new MigrationStateStore(db);
          const [old] = await state.repairs.list('upgraded', 10);
          assert.deepEqual([old!.key, old!.attempts, old!.direction], ['p1', 1, undefined]);
          await state.repairs.add('upgraded', 'products', ['p2'], 'old store down', {
            source: 'mongodb',
            target: 'postgres',
          });
          assert.equal(await state.repairs.size('upgraded', 'postgres'), 1);
          assert.deepEqual((await state.repairs.list('upgraded', 10))[1]!.direction, {
            source: 'mongodb',
            target: 'postgres',
          });
        } finally {
          await target.close(db);
        }
      });
    },
  );
}
