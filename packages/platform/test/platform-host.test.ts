import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Type from 'typebox';
import { AppError, silentLogger } from '@polyshop/kernel';
import { buildPlatform } from '@polyshop/platform';
import type { AnyServiceDefinition } from '@polyshop/http';
import { createTestPlatform, freePort, type TestPlatform } from '@polyshop/platform/testing';

/** A tiny service used only to exercise the host: validation, errors, body limit, OpenAPI. */
const echo: AnyServiceDefinition = {
  name: 'search',
  prefix: '/echo',
  defaultPort: 3007,
  stores: { variable: 'TEST_STORE', supported: ['postgres'], polyglot: 'postgres' },
  async create() {
    return {
      async routes(app) {
        app.post(
          '/things',
          {
            schema: {
              body: Type.Object(
                {
                  name: Type.String({ minLength: 1 }),
                  quantity: Type.Integer({ minimum: 1 }),
                  tags: Type.Optional(Type.Array(Type.String())),
                },
                { additionalProperties: false },
              ),
              response: { 201: Type.Object({ name: Type.String(), quantity: Type.Integer() }) },
            },
          },
          async (request, reply) => reply.status(201).send(request.body),
        );
        app.get('/conflict', async () => {
          throw AppError.conflict('THING.TAKEN', 'That thing is taken.', {
            field: 'name',
            details: { holder: 'someone' },
          });
        });
        app.get('/crash', async () => {
          throw new Error('secret internal detail');
        });
        app.get('/slow', async () => {
          await new Promise((resolve) => setTimeout(resolve, 500));
          return { done: true };
        });
      },
    };
  },
};

describe('platform host', () => {
  let platform: TestPlatform;
  before(async () => {
    platform = await createTestPlatform({
      target: 'pglite',
      definitions: [echo],
      env: { HTTP_BODY_LIMIT: '2048' },
    });
  });
  after(() => platform?.dispose());

  it('answers /healthz and /readyz', async () => {
    assert.equal((await platform.app.inject('/healthz')).statusCode, 200);
    const ready = await platform.app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, 'ready');
  });

  it('serves an OpenAPI 3 document generated from the route schemas', async () => {
    const response = await platform.app.inject('/docs/json');
    assert.equal(response.statusCode, 200);
    const doc = response.json();
    assert.match(doc.openapi, /^3\./);
    assert.ok(
      doc.paths['/echo/things'].post.requestBody.content['application/json'].schema.properties.quantity,
    );
    assert.equal((await platform.app.inject('/docs/')).statusCode, 200);
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await platform.app.inject('/nowhere');
    assert.equal(response.statusCode, 404);
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal(response.json().code, 'ROUTE.NOT_FOUND');
  });

  it('answers schema violations with 400 problem+json naming each field', async () => {
    const response = await platform.app.inject({
      method: 'POST',
      url: '/echo/things',
      payload: { name: '', quantity: 0, extra: 1 },
    });
    assert.equal(response.statusCode, 400);
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
    const problem = response.json();
    assert.equal(problem.code, 'REQUEST.VALIDATION');
    assert.deepEqual(problem.errors.map((e: { field: string }) => e.field).sort(), [
      'extra',
      'name',
      'quantity',
    ]);
    assert.ok(['extra', 'name', 'quantity'].includes(problem.field));
  });

  it('names a missing field', async () => {
    const response = await platform.app.inject({
      method: 'POST',
      url: '/echo/things',
      payload: { name: 'x' },
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().field, 'quantity');
  });

  it('answers malformed JSON with 400, and an oversized body with 413', async () => {
    const bad = await platform.app.inject({
      method: 'POST',
      url: '/echo/things',
      payload: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'REQUEST.MALFORMED_JSON');
    const big = await platform.app.inject({
      method: 'POST',
      url: '/echo/things',
      payload: { name: 'x'.repeat(5000), quantity: 1 },
    });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'REQUEST.BODY_TOO_LARGE');
  });

  it('maps AppError kinds to status codes with extension members', async () => {
    const response = await platform.app.inject('/echo/conflict');
    assert.equal(response.statusCode, 409);
    assert.deepEqual(
      { code: response.json().code, field: response.json().field, holder: response.json().holder },
      { code: 'THING.TAKEN', field: 'name', holder: 'someone' },
    );
  });

  it('hides the message of an unexpected error behind a 500 problem', async () => {
    const response = await platform.app.inject('/echo/crash');
    assert.equal(response.statusCode, 500);
    assert.equal(response.json().code, 'INTERNAL');
    assert.doesNotMatch(response.body, /secret internal detail/);
  });

  it('echoes the request id', async () => {
    const response = await platform.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(response.headers['x-request-id'], 'abc-123');
  });
});

describe('graceful shutdown', () => {
  it('drains an in-flight request, then refuses new connections', async () => {
    const platform = await buildPlatform({
      definitions: [echo],
      inMemory: true,
      logger: silentLogger(),
      env: { LOG_LEVEL: 'silent', PORT: String(30000 + Math.floor(Math.random() * 20000)) },
    });
    const address = await platform.listen();
    const inFlight = fetch(`${address}/echo/slow`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = platform.close();
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { done: true });
    await closed;
    await assert.rejects(fetch(`${address}/healthz`));
  });
});

describe('polyshop start (process)', () => {
  const bin = fileURLToPath(new URL('../bin/polyshop.mjs', import.meta.url));

  it('a bad configuration value stops start-up with a message naming the variable', async () => {
    const child = spawn(process.execPath, [bin, 'start', '--in-memory'], {
      env: { ...process.env, PORT: 'eighty', CI: '' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.notEqual(code, 0);
    assert.match(stderr, /PORT/);
  });

  it('serves health, readiness and OpenAPI; SIGTERM exits 0 within 5 s', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'polyshop-'));
    // a port free a moment ago (a random one could be some connection's ephemeral port under CI)
    const port = await freePort();
    const child = spawn(process.execPath, [bin, 'start', '--port', String(port), '--data-dir', dataDir], {
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      // A cold start on a loaded 2-core machine (tsx, PGlite) can take well over 30 s.
      for (let i = 0; i < 1200 && !stdout.includes('polyshop ready') && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.match(
        stdout,
        /polyshop ready/,
        `not ready (exit code ${child.exitCode}); stderr: ${stderr.slice(-2000)}`,
      );
      const base = `http://127.0.0.1:${port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      const doc = (await (await fetch(`${base}/docs/json`)).json()) as { openapi: string };
      assert.match(doc.openapi, /^3\./);
      const signalledAt = Date.now();
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.ok(Date.now() - signalledAt < 5000, 'exits within 5 s');
      assert.match(stdout, /stopped/);
    } finally {
      // A failed assertion must not leave the server running (the test runner would wait for it).
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
