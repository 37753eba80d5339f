import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  adminToken,
  createTestPlatform,
  userWithPermissions,
  TEST_PASSWORD,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { checkoutBody, seedSkus, US_ADDRESS } from '../../services/orders/test/fixtures/checkout-platform.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'QUERY';
interface EdgeCase {
  method: Method;
  url: string;
  /** A JSON body, sent as written (raw text keeps `\u0000` and lone surrogates as the client sent them). */
  json?: string | Buffer;
  as?: 'admin' | 'customer';
  field: string;
}

/**
 * Issue 15 items 3–6 on the whole platform: bad input is refused at the HTTP edge by one rule for every
 * service's routes — never a 500 from a store, never coerced into something else.
 */
describe('bad input is refused at the edge, on every service (PGlite)', () => {
  let platform: TestPlatform;
  let admin: string;
  let customer: string;
  const sku = 'EDGE-1';

  const send = (edge: Omit<EdgeCase, 'field'>) =>
    platform.app.inject({
      method: edge.method,
      url: edge.url,
      headers: {
        ...(edge.as ? { authorization: `Bearer ${edge.as === 'admin' ? admin : customer}` } : {}),
        ...(edge.json === undefined ? {} : { 'content-type': 'application/json' }),
        ...(edge.url === '/orders' ? { 'idempotency-key': randomUUID() } : {}),
      },
      ...(edge.json === undefined ? {} : { payload: edge.json }),
    });

  async function assertRefused(edge: EdgeCase, code: string) {
    const response = await send(edge);
    const label = `${edge.method} ${edge.url} ${String(edge.json ?? '')}`;
    assert.equal(response.statusCode, 400, `${label}: ${response.body}`);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/, label);
    const problem = response.json();
    assert.equal(problem.code, code, `${label}: ${response.body}`);
    assert.equal(problem.field, edge.field, `${label}: ${response.body}`);
  }

  before(async () => {
    platform = await createTestPlatform({ target: 'pglite', env: { ORDERS_RECOVERY_INTERVAL_MS: '60000' } });
    admin = await adminToken(platform);
    customer = (await userWithPermissions(platform, [])).token;
    await seedSkus(platform, [{ sku, price: '10.00', quantity: 10 }]);
  });
  after(() => platform?.dispose());

  it('refuses NUL in filters, path ids, sign-up and login fields, addresses and admin bodies, naming the field', async () => {
    const address = JSON.stringify({ ...US_ADDRESS, line1: '1 Main St\u0000' });
    const cases: EdgeCase[] = [
      { method: 'GET', url: '/products?category=%00', field: 'category' },
      { method: 'GET', url: '/products?brand=Acme%00', field: 'brand' },
      { method: 'GET', url: '/products/categories/%00', field: 'slug' },
      { method: 'GET', url: '/search/products?q=phone%00', field: 'q' },
      { method: 'GET', url: '/inventory/A%00B', field: 'sku', as: 'admin' },
      {
        method: 'POST',
        url: '/users/register',
        json: `{"email":"nul@polyshop.test","password":"${TEST_PASSWORD}","name":"N\\u0000L"}`,
        field: 'name',
      },
      {
        method: 'POST',
        url: '/users/login',
        json: `{"email":"a\\u0000@polyshop.test","password":"x"}`,
        field: 'email',
      },
      {
        method: 'POST',
        url: '/orders',
        json: `{"items":[{"sku":"${sku}","quantity":1}],"shippingAddress":${address},"payment":{"method":"card","card":{"number":"4242424242424242","expMonth":12,"expYear":2040,"cvc":"123"}}}`,
        field: 'shippingAddress.line1',
        as: 'customer',
      },
      { method: 'GET', url: '/users/audit?userId=%00', field: 'userId', as: 'admin' },
      { method: 'GET', url: '/admin/dead-letters?consumer=%00', field: 'consumer', as: 'admin' },
      { method: 'GET', url: '/notifications?userId=%00', field: 'userId', as: 'admin' },
      { method: 'POST', url: '/users/roles', json: '{"name":"r\\u0000"}', field: 'name', as: 'admin' },
      {
        method: 'POST',
        url: '/products/categories',
        json: '{"slug":"nul","name":"Nul\\u0000"}',
        field: 'name',
        as: 'admin',
      },
    ];
    for (const edge of cases) await assertRefused(edge, 'REQUEST.INVALID_TEXT');
  });

  it('refuses a lone surrogate and a body that is not UTF-8 on sign-up, and creates no account', async () => {
    const register = (name: string | Buffer, email: string) =>
      Buffer.concat([
        Buffer.from(`{"email":"${email}","password":"${TEST_PASSWORD}","name":"`),
        Buffer.isBuffer(name) ? name : Buffer.from(name),
        Buffer.from('"}'),
      ]);
    await assertRefused(
      {
        method: 'POST',
        url: '/users/register',
        json: register('\\ud800x', 'lone@polyshop.test'),
        field: 'name',
      },
      'REQUEST.INVALID_TEXT',
    );
    await assertRefused(
      {
        method: 'POST',
        url: '/users/register',
        json: register(Buffer.from([0x5a, 0x6f, 0xeb]), 'latin1@polyshop.test'),
        field: 'body',
      },
      'REQUEST.INVALID_UTF8',
    );
    for (const email of ['lone@polyshop.test', 'latin1@polyshop.test']) {
      const login = await send({
        method: 'POST',
        url: '/users/login',
        json: JSON.stringify({ email, password: TEST_PASSWORD }),
      });
      assert.equal(login.statusCode, 401, `${email} was not registered: ${login.body}`);
    }
  });

  it('refuses integers beyond their column and date-times PostgreSQL cannot store, naming the field', async () => {
    const cases: EdgeCase[] = [
      {
        method: 'GET',
        url: '/notifications/templates/order_confirmation/email?version=2147483648',
        field: 'version',
        as: 'admin',
      },
      { method: 'GET', url: '/users/audit?before=1e300', field: 'before', as: 'admin' },
      {
        method: 'GET',
        url: `/notifications?from=${encodeURIComponent('2026-01-01T00:00:00-19:00')}`,
        field: 'from',
        as: 'admin',
      },
      {
        method: 'GET',
        url: `/users/audit?to=${encodeURIComponent('0000-01-01T00:00:00Z')}`,
        field: 'to',
        as: 'admin',
      },
    ];
    for (const edge of cases) await assertRefused(edge, 'REQUEST.VALIDATION');
  });

  it('validates JSON bodies without coercion: a boolean or a string is no quantity, no order is placed', async () => {
    for (const quantity of ['true', '"1"', '"1e3"', 'null']) {
      const body = JSON.stringify(checkoutBody([{ sku, quantity: 0 }])).replace(
        '"quantity":0',
        `"quantity":${quantity}`,
      );
      await assertRefused(
        { method: 'POST', url: '/orders', json: body, field: 'items.0.quantity', as: 'customer' },
        'REQUEST.VALIDATION',
      );
    }
    const orders = await send({ method: 'GET', url: '/orders', as: 'customer' });
    assert.equal(orders.statusCode, 200, orders.body);
    assert.deepEqual(orders.json().items, [], 'no order was placed');

    const cases: EdgeCase[] = [
      { method: 'POST', url: `/inventory/${sku}/adjust`, json: '{"delta":"5","reason":"r"}', field: 'delta' },
      { method: 'PUT', url: `/inventory/${sku}`, json: '{"quantity":null}', field: 'quantity' },
      { method: 'POST', url: '/products/variants/lookup', json: '{"skus":true}', field: 'skus' },
      {
        method: 'POST',
        url: '/products/categories',
        json: '{"slug":"numbers","name":"Numbers","description":42}',
        field: 'description',
      },
    ];
    for (const edge of cases) await assertRefused({ ...edge, as: 'admin' }, 'REQUEST.VALIDATION');
    const stock = await send({ method: 'GET', url: `/inventory/${sku}`, as: 'admin' });
    assert.equal(stock.json().quantity, 10, 'the stock did not move');

    // query strings still parse numbers
    const page = await send({ method: 'GET', url: `/inventory/${sku}/adjustments?limit=5`, as: 'admin' });
    assert.equal(page.statusCode, 200, page.body);
  });

  it('answers an unknown method with 405 and Allow, an over-long path parameter with 414, a text body with 415', async () => {
    const query = await send({ method: 'QUERY', url: '/products/categories/books' });
    assert.equal(query.statusCode, 405, query.body);
    assert.equal(query.headers.allow, 'GET, HEAD, PATCH');
    assert.match(String(query.headers['content-type']), /^application\/problem\+json/);

    const long = await send({ method: 'GET', url: `/products/categories/${'a'.repeat(200)}` });
    assert.equal(long.statusCode, 414, long.body);
    assert.match(String(long.headers['content-type']), /^application\/problem\+json/);

    const text = await platform.app.inject({
      method: 'POST',
      url: '/users/login',
      payload: 'email=a@b.c',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(text.statusCode, 415, text.body);
    assert.equal(text.json().code, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
  });

  it('documents the edge answers once, and bounds every integer a request can carry', async () => {
    const doc = (await platform.app.inject('/docs/json')).json();
    assert.deepEqual(Object.keys(doc.components.responses).sort(), [
      'MethodNotAllowed',
      'UnsupportedMediaType',
      'UriTooLong',
    ]);
    const unbounded: string[] = [];
    const visit = (schema: unknown, where: string) => {
      if (schema === null || typeof schema !== 'object') return;
      const node = schema as Record<string, unknown>;
      if (node.type === 'integer' && (typeof node.minimum !== 'number' || typeof node.maximum !== 'number'))
        unbounded.push(where);
      for (const [key, child] of Object.entries(node)) visit(child, `${where}.${key}`);
    };
    for (const [path, operations] of Object.entries<Record<string, Record<string, unknown>>>(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        visit(operation.parameters, `${method} ${path} parameters`);
        visit(operation.requestBody, `${method} ${path} body`);
      }
    }
    assert.deepEqual(unbounded, [], 'request integers without a range');
  });
});
