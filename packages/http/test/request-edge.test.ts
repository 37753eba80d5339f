import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import Type from 'typebox';
import { silentLogger } from '@polyshop/kernel';
import { createHttpApp, type HttpApp } from '../src/create-http-app.ts';
import { isStorableDateTime } from '../src/request-validation.ts';
import { Int32, Int53, PgTimestamp } from '../src/schemas.ts';

/** A route of each kind the edge rules cover; each answers what it was given, with its types. */
async function edgeApp(): Promise<HttpApp> {
  const app = await createHttpApp({ logger: silentLogger() });
  const echo = async (request: { params: unknown; query: unknown; body: unknown }) => ({
    params: request.params,
    query: request.query,
    body: request.body ?? null,
  });
  app.get(
    '/things/:slug',
    {
      schema: {
        params: Type.Object({ slug: Type.String({ maxLength: 200 }) }),
        querystring: Type.Object({
          version: Type.Optional(Int32({ minimum: 1 })),
          before: Type.Optional(Int53({ minimum: 1 })),
          from: Type.Optional(PgTimestamp()),
          tags: Type.Optional(Type.Array(Type.String())),
          brand: Type.Optional(Type.String()),
        }),
      },
    },
    echo,
  );
  app.patch('/things/:slug', echo);
  app.post(
    '/things',
    {
      schema: {
        body: Type.Object(
          {
            name: Type.String(),
            description: Type.Optional(Type.String()),
            quantity: Type.Optional(Int32({ minimum: 1 })),
            skus: Type.Optional(Type.Array(Type.String())),
            address: Type.Optional(Type.Object({ line1: Type.String() })),
            attributes: Type.Optional(Type.Record(Type.String(), Type.String())),
          },
          { additionalProperties: false },
        ),
      },
    },
    echo,
  );
  await app.ready();
  return app;
}

describe('request edge rules (every route of createHttpApp)', () => {
  let app: HttpApp;
  before(async () => {
    app = await edgeApp();
  });
  after(() => app.close());

  const send = (method: 'GET' | 'POST', url: string, body?: string | Buffer, headers = {}) =>
    app.inject({
      method,
      url,
      ...(body === undefined
        ? {}
        : { payload: body, headers: { 'content-type': 'application/json', ...headers } }),
      ...(body === undefined ? { headers } : {}),
    });

  /** Asserts a 400 problem+json naming `field` with `code`. */
  function assertRefused(
    response: Awaited<ReturnType<typeof send>>,
    field: string,
    code = 'REQUEST.VALIDATION',
    status = 400,
  ) {
    assert.equal(response.statusCode, status, response.body);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    const problem = response.json();
    assert.equal(problem.code, code, response.body);
    assert.equal(problem.field, field, response.body);
  }

  it('refuses NUL in a path parameter, a query string, a header and a body value or key, naming the field', async () => {
    assertRefused(await send('GET', '/things/%00'), 'slug', 'REQUEST.INVALID_TEXT');
    assertRefused(await send('GET', '/things/a?brand=%00'), 'brand', 'REQUEST.INVALID_TEXT');
    assertRefused(await send('GET', '/things/a?tags=x&tags=y%00'), 'tags.1', 'REQUEST.INVALID_TEXT');
    assertRefused(
      await send('GET', '/things/a', undefined, { 'x-note': 'a\u0000b' }),
      'x-note',
      'REQUEST.INVALID_TEXT',
    );
    assertRefused(
      await send('POST', '/things', '{"name":"ok","address":{"line1":"Main St\\u0000 1"}}'),
      'address.line1',
      'REQUEST.INVALID_TEXT',
    );
    assertRefused(
      await send('POST', '/things', '{"name":"ok","attributes":{"co\\u0000lor":"red"}}'),
      'attributes.co?lor',
      'REQUEST.INVALID_TEXT',
    );
    // a route without any schema is covered too
    const unchecked = await app.inject({ method: 'PATCH', url: '/things/a', payload: { note: 'x\u0000' } });
    assertRefused(unchecked, 'note', 'REQUEST.INVALID_TEXT');
  });

  it('refuses a lone surrogate, but keeps characters outside the BMP', async () => {
    const lone = await send('POST', '/things', '{"name":"\\ud800x"}');
    assertRefused(lone, 'name', 'REQUEST.INVALID_TEXT');
    assert.match(lone.json().detail, /lone surrogate/);
    assertRefused(
      await send('POST', '/things', '{"name":"ok","skus":["a","\\udfff"]}'),
      'skus.1',
      'REQUEST.INVALID_TEXT',
    );

    const paired = await send('POST', '/things', '{"name":"Zoë \\ud83c\\udf89 🎁"}');
    assert.equal(paired.statusCode, 200, paired.body);
    assert.equal(paired.json().body.name, 'Zoë 🎉 🎁');
  });

  it('refuses a body that is not UTF-8 instead of storing U+FFFD', async () => {
    const latin1 = Buffer.concat([Buffer.from('{"name":"Zo'), Buffer.from([0xeb]), Buffer.from('"}')]);
    assertRefused(await send('POST', '/things', latin1), 'body', 'REQUEST.INVALID_UTF8');
    const overlong = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0x80]), Buffer.from('"}')]);
    assertRefused(await send('POST', '/things', overlong), 'body', 'REQUEST.INVALID_UTF8');
  });

  it('validates JSON bodies as sent: no string, boolean or null becomes a number, no scalar a list', async () => {
    for (const quantity of ['true', '"1"', '"1e3"', 'null', '1.5']) {
      assertRefused(await send('POST', '/things', `{"name":"a","quantity":${quantity}}`), 'quantity');
    }
    assertRefused(await send('POST', '/things', '{"name":"a","skus":true}'), 'skus');
    assertRefused(await send('POST', '/things', '{"name":"a","skus":"A-1"}'), 'skus');
    assertRefused(await send('POST', '/things', '{"name":"a","description":42}'), 'description');
    assertRefused(await send('POST', '/things', '{"name":false}'), 'name');

    const ok = await send('POST', '/things', '{"name":"a","quantity":3,"skus":["A-1"]}');
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().body, { name: 'a', quantity: 3, skus: ['A-1'] });
  });

  it('still parses numbers and lists from the query string', async () => {
    const response = await send('GET', '/things/a?version=7&tags=x&before=9007199254740991');
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().query, { version: 7, tags: ['x'], before: 9007199254740991 });
  });

  it('refuses integers beyond the column they reach, naming the field', async () => {
    assertRefused(await send('GET', '/things/a?version=2147483648'), 'version');
    assertRefused(await send('GET', '/things/a?version=1e300'), 'version');
    assertRefused(await send('GET', '/things/a?before=9007199254740993'), 'before');
    assertRefused(await send('POST', '/things', '{"name":"a","quantity":2147483648}'), 'quantity');
    assert.equal((await send('GET', '/things/a?version=2147483647')).statusCode, 200);
  });

  it('refuses date-times PostgreSQL cannot store, naming the field', async () => {
    for (const from of ['2026-01-01T00:00:00-19:00', '0000-01-01T00:00:00Z', '2026-02-29T00:00:00Z']) {
      assertRefused(await send('GET', `/things/a?from=${encodeURIComponent(from)}`), 'from');
    }
    const ok = await send('GET', `/things/a?from=${encodeURIComponent('2026-01-01T00:00:00-15:59')}`);
    assert.equal(ok.statusCode, 200, ok.body);
  });

  it('answers an unknown method on a known path with 405 and Allow, an unknown path with 404', async () => {
    for (const method of ['QUERY', 'DELETE', 'PUT'] as const) {
      const response = await app.inject({ method, url: '/things/books' });
      assert.equal(response.statusCode, 405, `${method}: ${response.body}`);
      assert.equal(response.headers.allow, 'GET, HEAD, PATCH');
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(response.json().code, 'ROUTE.METHOD_NOT_ALLOWED');
    }
    const missing = await app.inject({ method: 'QUERY', url: '/nothing/here' });
    assert.equal(missing.statusCode, 404, missing.body);
    assert.equal(missing.json().code, 'ROUTE.NOT_FOUND');
  });

  it('answers an over-long path parameter with 414 and a bad percent-encoding with 400, as problem+json', async () => {
    const long = await send('GET', `/things/${'a'.repeat(101)}`);
    assert.equal(long.statusCode, 414, long.body);
    assert.match(String(long.headers['content-type']), /^application\/problem\+json/);
    assert.equal(long.json().code, 'REQUEST.URI_TOO_LONG');
    assertRefused(await send('GET', '/things/%FF'), 'path', 'REQUEST.BAD_URL');
  });

  it('answers what the HTTP parser refuses (a query string past 16 KiB, bytes that are not HTTP) as problem+json', async () => {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(address);
    /** The raw answer to `request` written on a new connection (the server closes it after a refusal). */
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        let answer = '';
        const socket = connect({ port: Number(port), host: '127.0.0.1' }, () => socket.write(request));
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
        socket.on('error', reject);
        socket.on('close', () => resolve(answer));
      });
    const problemOf = (answer: string) => {
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      assert.match(head, /^content-type: application\/problem\+json$/im, answer);
      return JSON.parse(body) as { status: number; code: string };
    };

    const long = await raw(`GET /things/a?brand=${'b'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(long, /^HTTP\/1\.1 431 /, long);
    const tooLarge = problemOf(long);
    assert.equal(tooLarge.status, 431);
    assert.equal(tooLarge.code, 'REQUEST.HEADERS_TOO_LARGE');
    const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /, garbage);
    assert.equal(problemOf(garbage).code, 'REQUEST.MALFORMED_HTTP');
    // a request within the limit still reaches its route
    const fine = await fetch(`${address}/things/a?brand=${'b'.repeat(1000)}`);
    assert.equal(fine.status, 200);
  });

  it('answers a body that is not JSON with 415 problem+json', async () => {
    for (const type of ['text/plain', 'text/csv', 'application/x-www-form-urlencoded']) {
      const response = await app.inject({
        method: 'POST',
        url: '/things',
        payload: 'name=a',
        headers: { 'content-type': type },
      });
      assertRefused(response, 'content-type', 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 415);
    }
  });
});

describe('isStorableDateTime', () => {
  it('accepts RFC 3339 date-times PostgreSQL stores and refuses the rest', () => {
    for (const value of [
      '2026-01-31T12:00:00Z',
      '2026-01-31t12:00:00.123456z',
      '2024-02-29T00:00:00+15:59',
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
    ]) {
      assert.equal(isStorableDateTime(value), true, value);
    }
    for (const value of [
      '2026-01-01T00:00:00-16:00',
      '2026-01-01T00:00:00-19:00',
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:00:00+01:00',
      '9999-12-31T23:59:59-01:00',
      '2026-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T23:59:60Z',
      '2026-01-01T00:00:00',
      '2026-01-01',
      '+275760-09-13T00:00:00Z',
    ]) {
      assert.equal(isStorableDateTime(value), false, value);
    }
  });
});
