import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { adminToken, createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import { PROBLEM_CONTENT_TYPE } from '@polyshop/kernel';

interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

/**
 * Issue 15 item 10: the OpenAPI document lists every status a route can answer, each error as
 * problem+json with the Problem schema — derived by one rule from the route (packages/http's
 * problem-responses.ts), so a client (or schemathesis) meets no undocumented status.
 */
describe('the OpenAPI document lists the problems every route can answer (PGlite)', () => {
  let platform: TestPlatform;
  let operations: { label: string; operation: Operation }[];
  let problemSchema: unknown;

  before(async () => {
    platform = await createTestPlatform({ target: 'pglite' });
    const response = await platform.app.inject('/docs/json');
    assert.equal(response.statusCode, 200);
    const doc = response.json<{
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: { Problem: unknown } };
    }>();
    problemSchema = doc.components.schemas.Problem;
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => ({
        label: `${method.toUpperCase()} ${path}`,
        operation: item[method]!,
      })),
    );
  });
  after(() => platform?.dispose());

  const expectedProblems = (operation: Operation) => {
    const inPath = operation.parameters?.some((parameter) => parameter.in === 'path');
    return [
      400,
      431,
      503,
      ...(operation.security?.length ? [401, 403] : []),
      ...(inPath ? [404, 414] : []),
      ...(operation.requestBody ? [413, 415] : []),
    ];
  };

  it('documents 400, 431 and 503 everywhere, 401/403 when guarded, 404/414 with path ids, 413/415 with a body', () => {
    assert.ok(operations.length >= 70, `all services' operations (${operations.length})`);
    assert.ok(
      operations.filter(({ operation }) => operation.security?.length).length >= 50,
      'guarded routes',
    );
    for (const { label, operation } of operations) {
      for (const status of expectedProblems(operation)) {
        const content = operation.responses[String(status)]?.content;
        assert.ok(content, `${label} documents ${status}`);
        assert.deepEqual(Object.keys(content), [PROBLEM_CONTENT_TYPE], `${label} ${status} is problem+json`);
        assert.deepEqual(content[PROBLEM_CONTENT_TYPE]!.schema, problemSchema, `${label} ${status}: Problem`);
      }
    }
  });

  it('documents every error as problem+json, also those a route declares itself (409, 412, 428, 429)', () => {
    const declared = new Set<string>();
    for (const { label, operation } of operations)
      for (const [status, response] of Object.entries(operation.responses).filter(
        ([code]) => Number(code) >= 400,
      )) {
        declared.add(status);
        assert.deepEqual(Object.keys(response.content ?? {}), [PROBLEM_CONTENT_TYPE], `${label} ${status}`);
      }
    for (const status of ['409', '412', '428', '429'])
      assert.ok(declared.has(status), `some route declares ${status}`);
    const login = operations.find(({ label }) => label === 'POST /users/login')!.operation;
    assert.ok(login.responses['401'] && login.responses['429'], 'login: wrong password 401, throttled 429');
  });

  it('documents the 204 of routes that answer no content, and sends what it documents', async () => {
    const byLabel = new Map(operations.map(({ label, operation }) => [label, operation]));
    for (const label of ['DELETE /products/{id}', 'POST /users/logout', 'DELETE /users/{userId}']) {
      const responses = byLabel.get(label)!.responses;
      assert.ok(responses['204'], `${label} documents 204`);
      assert.equal(responses['204'].content, undefined, `${label}: 204 has no body`);
      assert.equal(responses['200'], undefined, `${label} answers 204, not 200`);
    }
    // what the document says is what is sent: the 204, and a problem with its extension members kept
    const admin = await adminToken(platform);
    const missing = await platform.app.inject({
      method: 'DELETE',
      url: '/products/00000000-0000-4000-8000-000000000000',
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(missing.statusCode, 404, missing.body);
    assert.match(String(missing.headers['content-type']), /^application\/problem\+json/);
    assert.ok(missing.json().requestId, `extension members are serialised: ${missing.body}`);
    const unauthorized = await platform.app.inject({ method: 'GET', url: '/orders' });
    assert.equal(unauthorized.statusCode, 401);
    assert.equal(unauthorized.json().code, 'AUTH.TOKEN_MISSING');
  });
});
