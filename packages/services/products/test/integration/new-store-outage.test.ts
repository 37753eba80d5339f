import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { adminToken, createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import { MIRROR_TIMEOUT_MS } from '@polyshop/migration';
import { openMongo, type MongoConnection } from '@polyshop/stores';
import { eventually, skipReason, startTcpProxy, testServerUrl, type TcpProxy } from '@polyshop/testing';
import { MongoCatalogSide } from '../../src/adapters/migration/mongo-catalog-side.ts';

const MONGO = 'POLYSHOP_TEST_MONGODB_URL';
const mongoServer = testServerUrl(MONGO);

/** A write during the outage answers within this: the mirror's timeout and some slack, not the driver's. */
const WRITE_BOUND_MS = MIRROR_TIMEOUT_MS + 2500;
/**
 * How long after a cut a copy the mirror gave up on may still land once MongoDB is back: the
 * driver retries a write that met a dead connection, after waiting up to its server selection
 * timeout (5000 ms, `openMongo`) for a server — started at most MIRROR_TIMEOUT_MS into the write.
 */
const LATE_COPY_MS = MIRROR_TIMEOUT_MS + 5000 + 500;

interface Answer {
  status: number;
  ms: number;
  body: string;
  headers: Record<string, unknown>;
  json<T = Record<string, unknown>>(): T;
}

interface ProductView {
  id: string;
  name: string;
  status: string;
  version: number;
}

interface Difference {
  kind: string;
  key: string;
  type: string;
  source?: { version: number; canonical: { name?: string } };
  target?: { version: number; canonical: { name?: string } };
}

let counter = 0;
function aKettle(name?: string) {
  counter += 1;
  return {
    name: name ?? `Kettle ${counter}`,
    category: 'kettles',
    currency: 'EUR',
    basePrice: '39.90',
    status: 'active',
    attributes: {},
    variants: [{ sku: `OUTAGE-${randomBytes(3).toString('hex')}-${counter}` }],
  };
}

/**
 * Issue 13's "new store stopped during dual-write", for real: the platform (users + products on
 * PGlite) reaches MongoDB through a TCP proxy the test cuts and restores, so from the platform's side
 * the new store is gone — its connections reset, new ones refused — while the shared server runs on.
 * The migration is driven as an operator would, over /admin/migrations.
 *
 * What a dual-write outage leaves behind is healed by the backfill that follows (it copies
 * PostgreSQL's last versions), so it shows as repair-log entries that keep read-switch refused; a
 * second outage after the backfill is what verify then lists as differences, with both sides.
 */
describe('the new store stops during a live move', { skip: skipReason(MONGO, mongoServer) }, () => {
  let platform: TestPlatform;
  let token: string;
  let proxy: TcpProxy;
  /** MongoDB seen directly, not through the proxy: what the new store holds. */
  let mongo: MongoConnection;
  let inMongo: MongoCatalogSide;
  const answers: { method: string; url: string; status: number }[] = [];

  before(async () => {
    const database = `polyshop_t_${randomBytes(5).toString('hex')}`;
    proxy = await startTcpProxy({ target: mongoServer! });
    const url = new URL(proxy.url());
    url.pathname = `/${database}`;
    platform = await createTestPlatform({
      target: 'pglite',
      services: ['users', 'products'],
      env: { MONGODB_URL: url.toString() },
    });
    token = await adminToken(platform);
    mongo = await openMongo({ url: mongoServer!, database });
    inMongo = new MongoCatalogSide(mongo);
  });
  after(async () => {
    await platform?.dispose();
    await proxy?.close();
    await mongo?.db.dropDatabase().catch(() => undefined);
    await mongo?.close();
  });

  const call = async (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const began = performance.now();
    const response = await platform.app.inject({
      method,
      url,
      ...(payload ? { payload } : {}),
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
    answers.push({ method, url, status: response.statusCode });
    return {
      status: response.statusCode,
      ms: performance.now() - began,
      body: response.body,
      headers: response.headers,
      json: <T>() => response.json<T>(),
    };
  };
  const ok = (answer: Answer, status: number, what: string) => {
    assert.equal(answer.status, status, `${what}: ${answer.status} ${answer.body}`);
    return answer;
  };
  /** `POST /admin/migrations/products[/step]`: what an operator runs. */
  const admin = (step: string, body?: object) =>
    call('POST', `/admin/migrations/products${step ? `/${step}` : ''}`, body);
  const create = async (name?: string) =>
    ok(await call('POST', '/products', aKettle(name)), 201, 'create').json<ProductView>();
  const patch = (product: ProductView, name: string) =>
    call('PATCH', `/products/${product.id}`, { name }, { 'if-match': `"${product.version}"` });
  const archive = (product: ProductView) => call('DELETE', `/products/${product.id}`);
  /** Does a write during the outage: 2xx, within the bound. */
  const during = async (what: string, write: Promise<Answer>, status: number) => {
    const answer = ok(await write, status, what);
    assert.ok(answer.ms < WRITE_BOUND_MS, `${what} took ${Math.round(answer.ms)} ms while MongoDB was away`);
    return answer;
  };
  /** The size of the repair log, as the migration's status shows it. */
  const repairs = async () =>
    ok(await call('GET', '/admin/migrations/products'), 200, 'status').json<{ repairs: number }>().repairs;
  const refusedReadSwitch = async () => {
    const refused = await admin('advance', { expectedPhase: 'verify' });
    assert.equal(refused.status, 409, refused.body);
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    return refused.json<{ code: string; detail: string }>();
  };

  /** Every product written, by name (p*: before the move, d1: in dual-write, o*: in an outage), as last answered. */
  const products: Record<string, ProductView> = {};

  it('a write during dual-write reaches both stores while MongoDB is up', async () => {
    ok(await call('POST', '/products/categories', { slug: 'kettles', name: 'Kettles' }), 201, 'category');
    for (const name of ['p1', 'p2', 'p3']) products[name] = await create(name);
    const started = ok(await admin('', { to: 'mongodb' }), 201, 'start');
    assert.equal(started.json().phase, 'dual-write');
    // the products module applies the phase at its next refresh (or on the phase event)
    await eventually(
      async () =>
        (await call('GET', '/readyz')).json<{ stores: { products: { phase: string } } }>().stores.products
          .phase === 'dual-write',
      { message: 'the products module to apply dual-write' },
    );
    products.d1 = await create('d1');
    assert.equal((await inMongo.read('products', [products.d1.id])).length, 1, 'd1 was copied to MongoDB');
    assert.equal(await repairs(), 0);
  });

  it('MongoDB stops: creates, patches and archives still succeed, promptly; each key goes to the repair log', async () => {
    await proxy.cut();
    const [o1, o2, p1, d1] = await Promise.all([
      during('create o1', call('POST', '/products', aKettle('o1')), 201),
      during('create o2', call('POST', '/products', aKettle('o2')), 201),
      during('patch p1', patch(products.p1!, 'p1 renamed in the outage'), 200),
      during('patch d1', patch(products.d1!, 'd1 renamed in the outage'), 200),
      during('archive p2', archive(products.p2!), 204),
    ]);
    products.o1 = o1.json<ProductView>();
    products.o2 = o2.json<ProductView>();
    products.p1 = p1.json<ProductView>();
    products.d1 = d1.json<ProductView>();
    // the same product twice: one repair-log entry, the last value is what must reach MongoDB
    products.p1 = (
      await during('patch p1 again', patch(products.p1, 'p1 renamed twice'), 200)
    ).json<ProductView>();
    products.p2 = ok(await call('GET', `/products/${products.p2!.id}`), 200, 'read p2').json<ProductView>();
    assert.equal(products.p2.status, 'archived');
    // reads still come from PostgreSQL, which has every write
    assert.equal(
      ok(await call('GET', `/products/${products.o1.id}`), 200, 'read o1').json<ProductView>().name,
      'o1',
    );

    assert.equal(await repairs(), 5, 'o1, o2, p1, d1 and p2 wait in the repair log');
    // the status lists the keys themselves, each with why its copy failed (the console's repair log)
    const log = ok(await call('GET', '/admin/migrations/products'), 200, 'status').json<{
      repairLog: { kind: string; key: string; reason: string; attempts: number }[];
    }>().repairLog;
    assert.deepEqual(
      log.map((entry) => `${entry.kind}/${entry.key}`).sort(),
      ['o1', 'o2', 'p1', 'd1', 'p2'].map((name) => `products/${products[name]!.id}`).sort(),
    );
    for (const entry of log) assert.ok(entry.reason.length > 0 && entry.attempts >= 1, JSON.stringify(entry));
    for (const name of ['o1', 'o2'])
      assert.deepEqual(await inMongo.read('products', [products[name]!.id]), []);
  });

  it('once MongoDB is back, the backfill copies the missed writes, yet read-switch waits for the repair log', async () => {
    await proxy.restore();
    assert.equal(
      ok(await admin('advance', { expectedPhase: 'dual-write' }), 200, 'advance').json().phase,
      'backfill',
    );
    const backfill = ok(await admin('backfill'), 200, 'backfill').json<{ completed: boolean }>();
    assert.equal(backfill.completed, true);
    assert.equal(
      ok(await admin('advance', { expectedPhase: 'backfill' }), 200, 'advance').json().phase,
      'verify',
    );

    // the backfill copied PostgreSQL's last versions over: the stores agree …
    const verify = ok(await admin('verify', { repair: false }), 200, 'verify').json<{
      clean: boolean;
      details: Difference[];
    }>();
    assert.equal(verify.clean, true, JSON.stringify(verify.details));
    // … but the log still says five copies failed: no switch until they are accounted for
    const refused = await refusedReadSwitch();
    assert.equal(refused.code, 'MIGRATION.NOT_VERIFIED');
    assert.match(refused.detail, /repair log holds 5 keys/);
    assert.equal(await repairs(), 5);
  });

  it('stopped again in verify: verify lists the keys that differ with both sides, and read-switch is refused', async () => {
    await proxy.cut();
    const cutAt = performance.now();
    const [p1, o3] = await Promise.all([
      during('patch p1', patch(products.p1!, 'p1 renamed in the second outage'), 200),
      during('create o3', call('POST', '/products', aKettle('o3')), 201),
    ]);
    products.p1 = p1.json<ProductView>();
    products.o3 = o3.json<ProductView>();
    // a copy abandoned by the mirror but still retried inside the driver would land once MongoDB is
    // back and make the difference vanish (harmless: it is by version), so MongoDB stays away longer
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, cutAt + LATE_COPY_MS - performance.now())),
    );
    await proxy.restore();
    assert.equal(await repairs(), 6, 'p1 was in the log already; o3 joined it');

    const verify = ok(await admin('verify'), 200, 'verify').json<{
      clean: boolean;
      differences: number;
      details: Difference[];
    }>();
    assert.equal(verify.clean, false);
    const byKey = new Map(verify.details.map((difference) => [difference.key, difference]));
    assert.equal(verify.differences, 2, JSON.stringify(verify.details));
    const renamed = byKey.get(products.p1.id);
    assert.equal(renamed?.type, 'different');
    assert.deepEqual(
      [renamed.source?.version, renamed.source?.canonical.name, renamed.target?.canonical.name],
      [products.p1.version, 'p1 renamed in the second outage', 'p1 renamed twice'],
    );
    assert.equal(renamed.target!.version, products.p1.version - 1);
    const missing = byKey.get(products.o3.id);
    assert.deepEqual(
      [missing?.type, missing?.source?.canonical.name, missing?.target],
      ['missing', 'o3', undefined],
    );

    const refused = await refusedReadSwitch();
    assert.equal(refused.code, 'MIGRATION.NOT_VERIFIED');
    assert.match(refused.detail, /found 2 differences/);
  });

  it('verify with repair empties the repair log and fixes the copy; then read-switch is accepted', async () => {
    const repaired = ok(await admin('verify', { repair: true }), 200, 'verify --repair').json<{
      clean: boolean;
      repaired: { copied: number; failed: number };
    }>();
    assert.equal(repaired.repaired.failed, 0);
    assert.equal(await repairs(), 0);
    const clean = ok(await admin('verify'), 200, 'verify').json<{ clean: boolean; details: Difference[] }>();
    assert.equal(clean.clean, true, JSON.stringify(clean.details));
    const switched = ok(await admin('advance', { expectedPhase: 'verify' }), 200, 'read-switch');
    assert.equal(switched.json().phase, 'read-switch');
  });

  it('reads now come from MongoDB: every product written during the outages, with its last value', async () => {
    await eventually(
      async () => {
        const ready = (await call('GET', '/readyz')).json<{ stores: { products: { reads: string } } }>();
        return ready.stores.products.reads === 'mongodb';
      },
      { message: 'the products module to read from MongoDB' },
    );
    for (const [name, product] of Object.entries(products)) {
      const read = ok(await call('GET', `/products/${product.id}`), 200, `read ${name}`).json<ProductView>();
      assert.deepEqual(
        [read.name, read.status, read.version],
        [product.name, product.status, product.version],
        name,
      );
      const [stored] = await inMongo.read('products', [product.id]);
      assert.equal(stored?.version, product.version, `${name} in MongoDB`);
    }
    assert.equal(products.p2!.status, 'archived');
  });

  it('answered no request with a 5xx', () => {
    assert.deepEqual(
      answers.filter((answer) => answer.status >= 500),
      [],
    );
  });
});
