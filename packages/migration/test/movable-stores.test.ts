import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import { MovableStores, type MovableStore, type Phase } from '../src/index.ts';
import { record, TableSide } from './table-side.ts';

const SERVICE = 'movable-test';

/** A store of the test service: its side is its data; `relay` counts what the stores did with it. */
interface TestStore extends MovableStore {
  side: TableSide;
  relay: { start(): void; stop(): Promise<void>; wake(): void };
  log: string[];
}

/**
 * `MovableStores` over a real control store and two `TableSide`s: a store is opened when a routing
 * names it, writes go to the phase's primary and are mirrored, reads follow the phase, relays and
 * probes cover every open store, and `describe` says where reads and writes go.
 */
for (const target of postgresTargets()) {
  describe(`MovableStores on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let stores: MovableStores<TestStore>;
    const opened: string[] = [];

    before(async () => {
      db = await target.open();
      stores = await MovableStores.open<TestStore>({
        service: SERVICE,
        control: db,
        configuredStore: 'old',
        refreshMs: 60_000,
        openStore: async (store) => {
          opened.push(store);
          const log: string[] = [];
          return {
            side: await new TableSide(db, `movable_${store}`, ['items']).create(),
            ping: () => (store === 'broken' ? Promise.reject(new Error('down')) : Promise.resolve()),
            relay: {
              start: () => void log.push('start'),
              stop: async () => void log.push('stop'),
              wake: () => void log.push('wake'),
            },
            log,
          };
        },
      });
    });
    after(async () => {
      await stores?.stop();
      if (db) await target.close(db);
    });

    async function moveTo(phase: Phase): Promise<void> {
      for (let current = (await stores.state.require(SERVICE)).phase; current !== phase;) {
        current = (await stores.state.advance(SERVICE, current)).phase;
      }
      await stores.router.refresh();
    }
    /** One write of `key` on the primary, reporting it touched. */
    const write = (key: string, version: number) =>
      stores.write(async (primary) => {
        await primary.side.put('items', [record(key, version)]);
        return { result: primary.side.store, touched: [['items', [key]]] as [string, string[]][] };
      });
    const versionIn = async (store: string, key: string) =>
      (await stores.store(store).side.read('items', [key]))[0]?.version;

    it('with no migration only the configured store is open, and everything goes to it', async () => {
      assert.deepEqual(opened, ['old']);
      await stores.start();
      assert.deepEqual(stores.store('old').log, ['start']);
      assert.equal(await write('k1', 1), 'movable_old');
      assert.equal(stores.reader(), stores.store('old'));
      assert.deepEqual(stores.describe(), { phase: 'idle', reads: 'old', writes: 'old', mirror: undefined });
      assert.throws(() => stores.store('new'), /not open/);
    });

    it('opens the store a migration names before following it, starts its relay, and mirrors writes', async () => {
      await stores.state.start(SERVICE, 'old', 'new');
      await stores.router.refresh();
      assert.deepEqual(opened, ['old', 'new']);
      assert.deepEqual(stores.store('new').log, ['start'], 'opened after start: its relay starts at once');
      assert.equal(await write('k2', 1), 'movable_old');
      assert.equal(await versionIn('new', 'k2'), 1, 'copied to the new store');
      assert.equal(await versionIn('new', 'k1'), undefined, 'what existed before is the backfill’s');
      stores.wake();
      assert.deepEqual([stores.store('old').log.at(-1), stores.store('new').log.at(-1)], ['wake', 'wake']);
      await stores.ping();
    });

    it('reads and writes where each phase says; a failed copy goes to the repair log', async () => {
      await moveTo('read-switch');
      assert.equal(stores.reader(), stores.store('new'));
      assert.deepEqual(stores.describe(), {
        phase: 'read-switch',
        reads: 'new',
        writes: 'old',
        mirror: 'new',
      });
      await moveTo('write-switch');
      assert.equal(await write('k3', 1), 'movable_new');
      assert.equal(await versionIn('old', 'k3'), 1, 'copied back to the old store');
      await stores.store('old').side.breakTable();
      assert.equal(await write('k4', 1), 'movable_new', 'the write still succeeds');
      const logged = await stores.state.repairs.list(SERVICE, 10);
      assert.deepEqual(
        logged.map((entry) => [entry.kind, entry.key]),
        [['items', 'k4']],
      );
      await stores.store('old').side.create();
      await stores.state.repairs.remove(SERVICE, 'items', ['k4']);
      await moveTo('finished');
      assert.deepEqual(stores.describe(), {
        phase: 'finished',
        reads: 'new',
        writes: 'new',
        mirror: undefined,
      });
    });
  });
}
