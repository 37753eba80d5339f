import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PROBLEM_CONTENT_TYPE } from '@polyshop/kernel';
import { postgresTargets } from '@polyshop/testing';
import {
  adminToken,
  createTestPlatform,
  TEST_ADMIN,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { seedSkus } from '../../services/orders/test/fixtures/checkout-platform.ts';
import type { Advice, ServiceAdvice } from '../src/advice/advice-schema.ts';
import { runAdvise } from '../src/cli/advise-command.ts';

/** Concurrent reservations of 1 unit of one SKU: the hot-SKU burst. */
const BURST = 300;
/** PATCHes of one category's attribute definitions: the burst of schema changes. */
const CATEGORY_CHANGES = 12;

function service(advice: Advice, name: string): ServiceAdvice {
  const found = advice.services.find((s) => s.service === name);
  assert.ok(found, `no advice for ${name}`);
  return found;
}

function measure(advice: ServiceAdvice, prefix: string) {
  const found = advice.evidence.find((e) => e.measure.startsWith(prefix));
  assert.ok(found, `${advice.service}: no evidence "${prefix}…" in ${JSON.stringify(advice.evidence)}`);
  return found;
}

async function adviceOf(platform: TestPlatform, token: string, query = ''): Promise<Advice> {
  const response = await platform.app.inject({
    url: `/admin/advice${query}`,
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<Advice>();
}

/** `BURST` reservations of 1 unit of a new SKU, all at once, over HTTP. */
/**
 * Waits until every service's outbox is published (the in-process bus has then run the consumers, the
 * search indexer among them): what the bursts set off in the background is over, so the searches
 * below measure searching, not queueing behind a re-index on PGlite's one connection.
 */
async function backgroundSettled(platform: TestPlatform): Promise<void> {
  const db = await platform.postgres();
  const outboxes = await db.query<{ schema: string }>(
    `SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'outbox'`,
  );
  const unpublished = `SELECT (${outboxes
    .map(({ schema }) => `(SELECT count(*) FROM "${schema}".outbox WHERE published_at IS NULL)`)
    .join(' + ')})::int AS n`;
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    const [row] = await db.query<{ n: number }>(unpublished);
    if (row?.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('the outboxes were not published within 20 s');
}

async function hotSkuBurst(platform: TestPlatform, token: string): Promise<string> {
  const sku = `HOT-${randomUUID().slice(0, 8)}`.toUpperCase();
  await seedSkus(platform, [{ sku, price: '5.00', quantity: BURST }]);
  const answers = await Promise.all(
    Array.from({ length: BURST }, () =>
      platform.app.inject({
        method: 'POST',
        url: '/inventory/reservations',
        headers: { authorization: `Bearer ${token}` },
        payload: { reservationId: randomUUID(), items: [{ sku, quantity: 1 }], ttlSeconds: 600 },
      }),
    ),
  );
  assert.deepEqual(
    answers.map((a) => a.statusCode).filter((s) => s !== 201),
    [],
    'every reservation of the burst is taken',
  );
  return sku;
}

/** A new category, then `CATEGORY_CHANGES` changes of its attribute definitions (one attribute more each). */
async function categoryChangesBurst(platform: TestPlatform, token: string): Promise<string> {
  const slug = `advise-${randomUUID().slice(0, 8)}`;
  const headers = { authorization: `Bearer ${token}` };
  const created = await platform.app.inject({
    method: 'POST',
    url: '/products/categories',
    headers,
    payload: { slug, name: slug },
  });
  assert.equal(created.statusCode, 201, created.body);
  for (let i = 0; i < CATEGORY_CHANGES; i++) {
    const changed = await platform.app.inject({
      method: 'PATCH',
      url: `/products/categories/${slug}`,
      headers,
      payload: { attributes: [{ name: `attribute${i}`, type: 'string' }] },
    });
    assert.equal(changed.statusCode, 200, changed.body);
  }
  // a rename only is not a schema change
  const renamed = await platform.app.inject({
    method: 'PATCH',
    url: `/products/categories/${slug}`,
    headers,
    payload: { name: `${slug} renamed` },
  });
  assert.equal(renamed.statusCode, 200, renamed.body);
  return slug;
}

function assertIdle(advice: Advice): void {
  assert.deepEqual(
    advice.services.filter((s) => s.status === 'fires').map((s) => s.service),
    [],
    JSON.stringify(advice, null, 2),
  );
  for (const name of ['users', 'orders', 'payments']) {
    assert.equal(service(advice, name).status, 'not-applicable');
  }
  assert.equal(service(advice, 'inventory').status, 'quiet');
  assert.equal(service(advice, 'products').status, 'quiet');
  assert.equal(measure(service(advice, 'inventory'), 'peak reservations').value, 0);
  assert.equal(measure(service(advice, 'products'), 'category attribute-definition changes').value, 0);
}

/** Both triggers fire, named with their numbers, window and command. */
function assertBurstsNamed(advice: Advice, sku: string, slug: string): void {
  const inventory = service(advice, 'inventory');
  assert.equal(inventory.status, 'fires', JSON.stringify(inventory, null, 2));
  assert.equal(inventory.command, 'polyshop migrate-store inventory --to dynamodb');
  const peak = measure(inventory, 'peak reservations');
  assert.ok(peak.reached && peak.value! >= peak.threshold!, JSON.stringify(peak));
  assert.match(peak.detail ?? '', new RegExp(`SKU ${sku}`));
  assert.match(peak.window, /\(300 s\)$/);
  assert.equal(measure(inventory, 'reservations in the window').value, BURST);

  const products = service(advice, 'products');
  assert.equal(products.status, 'fires', JSON.stringify(products, null, 2));
  assert.equal(products.command, 'polyshop migrate-store products --to mongodb');
  const changes = measure(products, 'category attribute-definition changes');
  // 12 changes in the 14-day window: 6 a week, against 5
  assert.equal(changes.value, CATEGORY_CHANGES / 2);
  assert.ok(changes.reached);
  assert.match(changes.detail ?? '', /^12 change\(s\) to 1 category/);
  assert.match(changes.window, /\(14 d\)$/);
  const widest = measure(products, 'attribute definitions of the widest category');
  assert.equal(widest.value, CATEGORY_CHANGES);
  assert.equal(widest.detail, `category ${slug}`);

  for (const name of ['users', 'orders', 'payments', 'notifications', 'search']) {
    assert.notEqual(service(advice, name).status, 'fires', name);
  }
}

for (const target of postgresTargets()) {
  describe(`polyshop advise and GET /admin/advice on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let admin: string;

    before(async () => {
      platform = await createTestPlatform({ target: target.name });
      admin = await adminToken(platform);
    });
    after(() => platform?.dispose());

    it('names no trigger on an idle platform, and says why the others do not apply', async () => {
      const advice = await adviceOf(platform, admin);
      assertIdle(advice);
      assert.equal(advice.window.seconds, 300);
      assert.equal(service(advice, 'users').note, 'PostgreSQL is the seed’s choice for it');
      assert.equal(service(advice, 'inventory').store, target.name);
      assert.equal(service(advice, 'inventory').target, 'dynamodb');
      assert.equal(service(advice, 'inventory').trigger, 'Lock contention during traffic spikes');
      // PGlite is one connection: lock waits are not measured there rather than reported as 0
      const waits = measure(service(advice, 'inventory'), 'lock requests waiting');
      assert.equal(waits.value, target.name === 'pglite' ? null : 0);
      // search is measured from this process's live HTTP histogram: nothing searched yet
      assert.equal(measure(service(advice, 'search'), 'search requests per second').value, 0);
      if (target.name === 'postgres') assertIdle(await runAdvise({ env: cliEnv(platform), print: () => {} }));
    });

    it('is in the OpenAPI document with its response schema', async () => {
      const document = (await platform.app.inject('/docs/json')).json<{
        paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
      }>();
      const route = document.paths['/admin/advice']?.get;
      assert.ok(route?.responses['200'], JSON.stringify(route));
    });

    it('answers 401 without a token, 403 without platform:admin, 400 problem+json on a bad window', async () => {
      assert.equal((await platform.app.inject('/admin/advice')).statusCode, 401);
      const shopper = await userWithPermissions(platform, []);
      const forbidden = await platform.app.inject({
        url: '/admin/advice',
        headers: { authorization: `Bearer ${shopper.token}` },
      });
      assert.equal(forbidden.statusCode, 403);
      for (const window of ['0', 'soon', '604801']) {
        const bad = await platform.app.inject({
          url: `/admin/advice?window=${window}`,
          headers: { authorization: `Bearer ${admin}` },
        });
        assert.equal(bad.statusCode, 400, bad.body);
        assert.ok(String(bad.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE));
        assert.match(bad.body, /window/);
      }
    });

    it('names inventory and products with their evidence after a hot-SKU burst and a burst of category changes', async () => {
      const sku = await hotSkuBurst(platform, admin);
      const slug = await categoryChangesBurst(platform, admin);
      const advice = await adviceOf(platform, admin);
      assertBurstsNamed(advice, sku, slug);
      if (process.env.ADVISE_TEST_PRINT)
        process.stdout.write(`# ${JSON.stringify(service(advice, 'inventory').evidence)}\n`);
      // search: measured from this process's live HTTP histogram, quiet at a few requests
      await backgroundSettled(platform);
      for (let i = 0; i < 5; i++)
        assert.equal((await platform.app.inject('/search/products?q=phone')).statusCode, 200);
      const search = service(await adviceOf(platform, admin), 'search');
      assert.equal(search.status, 'quiet', JSON.stringify(search));
      assert.equal(measure(search, 'search requests per second').detail, '5 request(s)');
      assert.ok(measure(search, 'search p99').value! > 0);
      // the window asked for is the one measured
      const narrow = await adviceOf(platform, admin, '?window=60');
      assert.equal(narrow.window.seconds, 60);
      assert.match(measure(service(narrow, 'inventory'), 'peak reservations').window, /\(60 s\)$/);

      // the CLI asking the running platform (--url), logged in as its admin
      const url = await platform.app.listen({ port: 0, host: '127.0.0.1' });
      const env = { POLYSHOP_ADMIN_EMAIL: TEST_ADMIN.email, POLYSHOP_ADMIN_PASSWORD: TEST_ADMIN.password };
      let overHttp = '';
      const remote = await runAdvise({ url, env, json: true, print: (text) => (overHttp += text) });
      assertBurstsNamed(remote, sku, slug);
      assert.deepEqual(JSON.parse(overHttp), remote);

      if (target.name !== 'postgres') return;
      let printed = '';
      const cli = await runAdvise({ env: cliEnv(platform), print: (text) => (printed += text) });
      assertBurstsNamed(cli, sku, slug);
      assert.match(printed, /^inventory: FIRES/m);
      assert.match(printed, /→ polyshop migrate-store inventory --to dynamodb/);
      assert.match(printed, /→ polyshop migrate-store products --to mongodb/);
      assert.match(printed, /triggers firing: products, inventory$/m);
      if (process.env.ADVISE_TEST_PRINT) process.stdout.write(`# ${printed.replaceAll('\n', '\n# ')}\n`);
    });
  });
}

/** The environment of `polyshop advise` run beside `platform`: its PostgreSQL database. */
function cliEnv(platform: TestPlatform): NodeJS.ProcessEnv {
  return { LOG_LEVEL: 'silent', DATABASE_URL: platform.config.DATABASE_URL };
}
