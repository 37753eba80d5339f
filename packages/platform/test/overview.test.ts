import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  adminToken,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { serviceNames } from '../src/service-catalog.ts';

interface Overview {
  status: string;
  checks: Record<string, string>;
  windowSeconds: number | null;
  services: {
    name: string;
    store: string;
    reads: string;
    writes: string;
    phase: string | null;
    ready: boolean;
    check: string;
    requests: number | null;
    perSecond: number | null;
    p99: { seconds: number; above: boolean } | null;
  }[];
}

/** Issue 18: `GET /admin/overview`, the operator console's overview page's one read. */
describe('GET /admin/overview (PGlite)', () => {
  let platform: TestPlatform;
  let admin: string;
  before(async () => {
    platform = await createTestPlatform({ target: 'pglite' });
    admin = await adminToken(platform);
  });
  after(() => platform?.dispose());

  const overview = (token?: string) =>
    platform.app.inject({
      method: 'GET',
      url: '/admin/overview',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('lists the seven services, ready, on their configured stores, with their traffic', async () => {
    for (let i = 0; i < 3; i++) await platform.app.inject({ method: 'GET', url: '/products' });
    const response = await overview(admin);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<Overview>();
    assert.equal(body.status, 'ready');
    assert.equal(body.checks.postgres, 'ok');
    assert.deepEqual(
      body.services.map((s) => s.name),
      [...serviceNames],
    );
    for (const service of body.services) {
      assert.ok(service.ready, `${service.name}: ${service.check}`);
      assert.equal(service.store, 'postgres', service.name);
      assert.equal(service.reads, 'postgres', service.name);
      assert.equal(service.writes, 'postgres', service.name);
    }
    const products = body.services.find((s) => s.name === 'products')!;
    assert.equal(products.phase, 'idle', JSON.stringify(products));
    assert.equal(products.requests, 3);
    assert.ok(products.p99 && products.p99.seconds > 0 && !products.p99.above, JSON.stringify(products.p99));
    assert.ok(body.windowSeconds! > 0);
    assert.equal(products.perSecond, 3 / body.windowSeconds!);
    const payments = body.services.find((s) => s.name === 'payments')!;
    assert.equal(payments.requests, 0);
    assert.equal(payments.p99, null);
  });

  it('counts the requests since the previous read within the minute', async () => {
    await overview(admin);
    await platform.app.inject({ method: 'GET', url: '/products' });
    const body = (await overview(admin)).json<Overview>();
    // the window starts at the oldest read within 60 s: the first test's read (3 requests before it)
    assert.equal(body.services.find((s) => s.name === 'products')!.requests, 1);
  });

  it('is for staff: platform:read suffices, no permission is 403, no token 401', async () => {
    const reader = await userWithPermissions(platform, ['platform:read']);
    assert.equal((await overview(reader.token)).statusCode, 200);
    const customer = await userWithPermissions(platform, []);
    const refused = await overview(customer.token);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json<{ code: string }>().code, 'AUTH.FORBIDDEN');
    assert.equal((await overview()).statusCode, 401);
  });
});
