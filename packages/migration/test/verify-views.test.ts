import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import {
  MigrationEngine,
  type MigrationStateStore,
  verifyStores,
  type MigrationSide,
  type ViewComparison,
} from '../src/index.ts';
import { openStateDatabase, record, records, TableSide } from './table-side.ts';

/**
 * A side whose users also see a derived view: how many products each tag has (as a search index
 * shows facet counts). `compareViews` compares that view with the other side's.
 */
class FacetedSide extends TableSide {
  /** How often `compareViews` ran (verify reads a difference again before it counts). */
  calls = 0;
  /** Set to change what this side shows on its next `compareViews`. */
  hidden = new Set<string>();

  async tagCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const item of await this.scan('products', undefined, 1000)) {
      if (this.hidden.has(item.key)) continue;
      for (const tag of (item.body as { tags: string[] }).tags) counts[tag] = (counts[tag] ?? 0) + 1;
    }
    return counts;
  }

  async compareViews(other: MigrationSide): Promise<ViewComparison> {
    this.calls += 1;
    const mine = await this.tagCounts();
    const theirs = await (other as FacetedSide).tagCounts();
    const tags = [...new Set([...Object.keys(mine), ...Object.keys(theirs)])].sort();
    return {
      kind: 'facets',
      compared: tags.length,
      differences: tags
        .filter((tag) => mine[tag] !== theirs[tag])
        .map((tag) => ({ key: `tag=${tag}`, source: mine[tag] ?? 0, target: theirs[tag] ?? 0 })),
    };
  }
}

for (const target of postgresTargets()) {
  describe(`verify compares the views a side offers, on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let state: MigrationStateStore;
    before(async () => {
      ({ db, state } = await openStateDatabase(target));
    });
    after(() => db && target.close(db));

    const sides = async (name: string) => ({
      source: await new FacetedSide(db, `${name}_old`, ['products']).create(),
      target: await new FacetedSide(db, `${name}_new`, ['products']).create(),
    });

    it('reports a view that still differs after reading again, under its kind, beside the records', async () => {
      const { source, target } = await sides('views_diff');
      await source.put('products', records(3, 'p'));
      await target.put('products', records(3, 'p'));
      target.hidden.add('p0002');
      const report = await verifyStores({ source, target, batchSize: 10, settle: { pauseMs: 1 } });
      assert.equal(report.clean, false);
      assert.equal(report.differences, 2);
      assert.deepEqual(report.kinds.products, { source: 3, target: 3, missing: 0, extra: 0, different: 0 });
      assert.deepEqual(report.kinds.facets, { source: 2, target: 2, missing: 0, extra: 0, different: 2 });
      assert.deepEqual(
        report.details.map(({ kind, key, type, source: s, target: t }) => [kind, key, type, s, t]),
        [
          ['facets', 'tag=a', 'different', { version: 0, canonical: 3 }, { version: 0, canonical: 2 }],
          ['facets', 'tag=b', 'different', { version: 0, canonical: 3 }, { version: 0, canonical: 2 }],
        ],
      );
      assert.equal(source.calls, 5, 'compared once, then read again 4 times');
    });

    it('does not count a view difference that settles while it is read again (a write in flight)', async () => {
      const { source, target } = await sides('views_settle');
      await source.put('products', records(2, 'p'));
      await target.put('products', records(2, 'p'));
      target.hidden.add('p0001');
      const compare = source.compareViews.bind(source);
      source.compareViews = async (other) => {
        const result = await compare(other);
        target.hidden.clear(); // the mirror copy lands after the first look
        return result;
      };
      const report = await verifyStores({ source, target, batchSize: 10, settle: { pauseMs: 1 } });
      assert.equal(report.clean, true);
      assert.deepEqual(report.kinds.facets, { source: 2, target: 2, missing: 0, extra: 0, different: 0 });
    });

    it('a side without compareViews is compared by records only', async () => {
      const source = await new TableSide(db, 'views_none_old', ['products']).create();
      const other = await new TableSide(db, 'views_none_new', ['products']).create();
      await source.put('products', [record('p1')]);
      await other.put('products', [record('p1')]);
      const report = await verifyStores({ source, target: other, batchSize: 10 });
      assert.deepEqual(Object.keys(report.kinds), ['products']);
      assert.equal(report.clean, true);
    });

    it('the engine refuses read-switch while a view differs', async () => {
      const service = 'views-gate';
      const { source, target } = await sides('views_gate');
      await source.put('products', records(2, 'p'));
      await target.put('products', records(2, 'p'));
      target.hidden.add('p0001');
      const engine = new MigrationEngine({ state, ackTimeoutMs: 100, pollMs: 10 });
      await engine.start(service, source.store, target.store);
      await engine.advance(service); // backfill
      await engine.runBackfill({ service, sides: { from: source, to: target }, batchSize: 10 });
      await engine.advance(service); // verify
      const report = await engine.verify({ service, sides: { from: source, to: target }, batchSize: 10 });
      assert.equal(report.kinds.facets?.different, 2);
      await assert.rejects(engine.advance(service), { code: 'MIGRATION.NOT_VERIFIED' });
      target.hidden.clear();
      assert.equal(
        (await engine.verify({ service, sides: { from: source, to: target }, batchSize: 10 })).clean,
        true,
      );
      assert.equal((await engine.advance(service)).phase, 'read-switch');
      await engine.rollback(service);
    });
  });
}
