import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestPlatform } from '@polyshop/platform/testing';
import { MigrationStateStore } from '@polyshop/migration';
import {
  closeCataloguePlatform,
  mongoAndPostgres,
  openCataloguePlatform,
  type MongoNamespace,
} from './support/catalogue-migration.ts';

const { mongo, skip } = mongoAndPostgres();

describe('POST /admin/migrations/:service/backfill and the backfill lease', { skip }, () => {
  let platform: TestPlatform;
  let opened: MongoNamespace;
  let admin: string;
  let state: MigrationStateStore;
  const post = (url: string, payload: object = {}) =>
    platform.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${admin}` } });

  before(async () => {
    ({ platform, opened, admin } = await openCataloguePlatform(mongo));
    state = new MigrationStateStore(await platform.postgres());
  });
  after(() => closeCataloguePlatform(mongo, platform, opened));

  it('answers 409 MIGRATION.BACKFILL_RUNNING (problem+json) while another process holds the lease, and runs once it is free', async () => {
    assert.equal((await post('/admin/migrations/products', { to: 'mongodb' })).statusCode, 201);
    assert.equal((await post('/admin/migrations/products/advance')).json().phase, 'backfill');
    // another process (a CLI run) is copying: it holds the lease
    await state.acquireBackfillLease('products', 'cli-on-another-host', 60_000);

    const refused = await post('/admin/migrations/products/backfill');
    assert.equal(refused.statusCode, 409);
    assert.match(refused.headers['content-type'] as string, /^application\/problem\+json/);
    const problem = refused.json();
    assert.equal(problem.code, 'MIGRATION.BACKFILL_RUNNING');
    assert.match(
      problem.detail,
      /A backfill of products is already running \(cli-on-another-host, its lease until /,
    );
    assert.deepEqual((await state.require('products')).backfill, { copied: 0, skipped: 0 });

    await state.releaseBackfillLease('products', 'cli-on-another-host');
    const ran = await post('/admin/migrations/products/backfill', { rate: 5000, maxP99Ms: 250 });
    assert.equal(ran.statusCode, 200, ran.body);
    assert.deepEqual(ran.json(), { copied: 17, skipped: 0, completed: true, stopped: null });
    assert.equal(await state.backfillLease('products'), undefined);
  });

  it('rejects a maxP99Ms that is not a positive whole number with 400 naming the field', async () => {
    const bad = await post('/admin/migrations/products/backfill', { maxP99Ms: 0 });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().field, 'maxP99Ms');
  });
});
