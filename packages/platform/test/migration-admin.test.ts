import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { userWithPermissions, type TestPlatform } from '@polyshop/platform/testing';
import {
  closeCataloguePlatform,
  mongoAndPostgres,
  openCataloguePlatform,
  type MongoNamespace,
} from './support/catalogue-migration.ts';

const { mongo, skip } = mongoAndPostgres();

describe('admin store migrations over HTTP (PostgreSQL → MongoDB)', { skip }, () => {
  let platform: TestPlatform;
  let opened: MongoNamespace;
  let admin: string;
  const call = (method: 'GET' | 'POST', url: string, payload?: object, token: string | null = admin) =>
    platform.app.inject({
      method,
      url,
      ...(payload ? { payload } : {}),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  before(async () => {
    ({ platform, opened, admin } = await openCataloguePlatform(mongo));
  });
  after(() => closeCataloguePlatform(mongo, platform, opened));

  it('401 without a token, 403 without platform:admin; platform:read reads but cannot act', async () => {
    assert.equal((await call('GET', '/admin/migrations', undefined, null)).statusCode, 401);
    assert.equal((await call('POST', '/admin/migrations/products', { to: 'mongodb' }, null)).statusCode, 401);
    const reader = await userWithPermissions(platform, ['products:read']);
    const forbidden = await call('POST', '/admin/migrations/products', { to: 'mongodb' }, reader.token);
    assert.equal(forbidden.statusCode, 403);
    assert.match(forbidden.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal((await call('GET', '/admin/migrations', undefined, reader.token)).statusCode, 403);

    const staff = await userWithPermissions(platform, ['platform:read']);
    const listed = await call('GET', '/admin/migrations', undefined, staff.token);
    assert.equal(listed.statusCode, 200, listed.body);
    const refused = await call('POST', '/admin/migrations/products', { to: 'mongodb' }, staff.token);
    assert.equal(refused.statusCode, 403);
  });

  it('answers bad input with 400 naming the field, an unknown service or migration with 404', async () => {
    const store = await call('POST', '/admin/migrations/products', { to: 'cassandra' });
    assert.equal(store.statusCode, 400);
    assert.match(store.headers['content-type'] as string, /^application\/problem\+json/);
    assert.deepEqual([store.json().code, store.json().field], ['MIGRATION.UNKNOWN_STORE', 'to']);
    const same = await call('POST', '/admin/migrations/products', { to: 'postgres' });
    assert.deepEqual([same.statusCode, same.json().field], [400, 'to']);
    const missing = await call('POST', '/admin/migrations/products', {});
    assert.deepEqual([missing.statusCode, missing.json().field], [400, 'to']);
    const phase = await call('POST', '/admin/migrations/products/advance', { expectedPhase: 'soon' });
    assert.deepEqual([phase.statusCode, phase.json().field], [400, 'expectedPhase']);

    for (const [method, url] of [
      ['GET', '/admin/migrations/nothing'],
      ['POST', '/admin/migrations/users/advance'],
    ] as const) {
      const unknown = await call(method, url, method === 'POST' ? {} : undefined);
      assert.equal(unknown.statusCode, 404, url);
      assert.deepEqual([unknown.json().code, unknown.json().field], ['MIGRATION.UNKNOWN_SERVICE', 'service']);
    }
    const notStarted = await call('GET', '/admin/migrations/products');
    assert.deepEqual([notStarted.statusCode, notStarted.json().code], [404, 'MIGRATION.NOT_FOUND']);
    assert.deepEqual((await call('GET', '/admin/migrations')).json(), {
      items: [],
      services: [
        { service: 'products', store: 'postgres', stores: ['postgres', 'mongodb'] },
        { service: 'notifications', store: 'postgres', stores: ['postgres', 'mongodb'] },
        { service: 'inventory', store: 'postgres', stores: ['postgres', 'dynamodb'] },
        { service: 'search', store: 'postgres', stores: ['postgres', 'opensearch'] },
      ],
    });
  });

  it('starts, backfills, verifies and advances through the gates, pauses, and rolls back', async () => {
    const started = await call('POST', '/admin/migrations/products', { to: 'mongodb' });
    assert.equal(started.statusCode, 201, started.body);
    assert.deepEqual(
      (({ service, fromStore, toStore, phase, epoch, repairs, repairLog, lastVerify }) => ({
        service,
        fromStore,
        toStore,
        phase,
        epoch,
        repairs,
        repairLog,
        lastVerify,
      }))(started.json()),
      {
        service: 'products',
        fromStore: 'postgres',
        toStore: 'mongodb',
        phase: 'dual-write',
        epoch: 1,
        repairs: 0,
        repairLog: [],
        lastVerify: null,
      },
    );
    const twice = await call('POST', '/admin/migrations/products', { to: 'mongodb' });
    assert.deepEqual([twice.statusCode, twice.json().code], [409, 'MIGRATION.ALREADY_RUNNING']);

    const early = await call('POST', '/admin/migrations/products/backfill');
    assert.deepEqual([early.statusCode, early.json().code], [409, 'MIGRATION.WRONG_PHASE']);
    assert.equal((await call('POST', '/admin/migrations/products/advance')).json().phase, 'backfill');
    const incomplete = await call('POST', '/admin/migrations/products/advance');
    assert.deepEqual([incomplete.statusCode, incomplete.json().code], [409, 'MIGRATION.BACKFILL_INCOMPLETE']);

    const backfill = await call('POST', '/admin/migrations/products/backfill', { rate: 5000 });
    assert.equal(backfill.statusCode, 200, backfill.body);
    assert.deepEqual(backfill.json(), { copied: 17, skipped: 0, completed: true, stopped: null });
    const stale = await call('POST', '/admin/migrations/products/advance', { expectedPhase: 'dual-write' });
    assert.deepEqual([stale.statusCode, stale.json().code], [409, 'MIGRATION.PHASE_CHANGED']);
    const verifying = await call('POST', '/admin/migrations/products/advance', { expectedPhase: 'backfill' });
    assert.equal(verifying.json().phase, 'verify');

    const unverified = await call('POST', '/admin/migrations/products/advance');
    assert.deepEqual([unverified.statusCode, unverified.json().code], [409, 'MIGRATION.NOT_VERIFIED']);
    const verify = await call('POST', '/admin/migrations/products/verify', { repair: false });
    assert.equal(verify.statusCode, 200, verify.body);
    assert.equal(verify.json().clean, true);
    assert.deepEqual(verify.json().kinds.products, {
      source: 12,
      target: 12,
      missing: 0,
      extra: 0,
      different: 0,
    });

    const status = (await call('GET', '/admin/migrations/products')).json();
    assert.equal(status.rate, 5000);
    assert.deepEqual(status.backfill, {
      copied: 17,
      skipped: 0,
      completed: true,
      done: ['categories', 'products'],
    });
    assert.deepEqual(
      [
        status.lastVerify.clean,
        status.lastVerify.phase,
        status.lastVerify.epoch,
        status.lastVerify.differences,
      ],
      [true, 'verify', 3, 0],
    );
    assert.equal((await call('POST', '/admin/migrations/products/advance')).json().phase, 'read-switch');
    assert.equal((await call('POST', '/admin/migrations/products/pause')).json().paused, true);
    assert.equal((await call('POST', '/admin/migrations/products/resume')).json().paused, false);
    const notFinished = await call('POST', '/admin/migrations/products/cleanup');
    assert.deepEqual([notFinished.statusCode, notFinished.json().code], [409, 'MIGRATION.NOT_FINISHED']);

    const rolledBack = await call('POST', '/admin/migrations/products/rollback');
    assert.equal(rolledBack.statusCode, 200, rolledBack.body);
    assert.deepEqual([rolledBack.json().phase, rolledBack.json().epoch], ['idle', 5]);
    const all = (await call('GET', '/admin/migrations')).json().items;
    assert.deepEqual(
      all.map((m: { service: string; phase: string; fromStore: string }) => [
        m.service,
        m.phase,
        m.fromStore,
      ]),
      [['products', 'idle', 'postgres']],
    );
  });

  it('documents every route and its schemas in /docs/json', async () => {
    const doc = (await platform.app.inject('/docs/json')).json();
    for (const [path, method] of [
      ['/admin/migrations', 'get'],
      ['/admin/migrations/{service}', 'get'],
      ['/admin/migrations/{service}', 'post'],
      ['/admin/migrations/{service}/advance', 'post'],
      ['/admin/migrations/{service}/backfill', 'post'],
      ['/admin/migrations/{service}/verify', 'post'],
      ['/admin/migrations/{service}/pause', 'post'],
      ['/admin/migrations/{service}/resume', 'post'],
      ['/admin/migrations/{service}/rollback', 'post'],
      ['/admin/migrations/{service}/cleanup', 'post'],
    ] as const) {
      assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
    }
    const start = doc.paths['/admin/migrations/{service}'].post;
    assert.ok(start.requestBody.content['application/json'].schema.properties.to);
    assert.ok(start.responses['201']);
  });
});
