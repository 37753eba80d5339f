import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Type from 'typebox';
import { silentLogger } from '@polyshop/kernel';
import { createHttpApp } from '../src/create-http-app.ts';
import { markGuard } from '../src/authorizer.ts';
import { NoContent } from '../src/problem-responses.ts';
import { ProblemSchema } from '../src/schemas.ts';

describe('every route documents the problems it can answer, by one rule', () => {
  it('derives them from the route: its guard, path parameters and body; keeps what the route declares', async () => {
    const app = await createHttpApp({ logger: silentLogger() });
    const guard = markGuard(async () => {});
    app.get('/open', { schema: { response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({
      ok: true,
    }));
    app.put(
      '/things/:id',
      {
        preValidation: guard,
        schema: {
          params: Type.Object({ id: Type.String() }),
          body: Type.Object({ name: Type.String() }),
          response: { 204: NoContent, 409: ProblemSchema },
        },
      },
      async (_request, reply) => reply.status(204).send(),
    );
    app.get('/bare', async () => ({ ok: true }));
    await app.ready();
    const doc = (await app.inject('/docs/json')).json();
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses).sort();

    assert.deepEqual(statuses('/open', 'get'), ['200', '400', '431', '503']);
    assert.equal(doc.paths['/open'].get.security, undefined, 'an open route has no security');
    assert.deepEqual(statuses('/things/{id}', 'put'), [
      '204',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '414',
      '415',
      '431',
      '503',
    ]);
    assert.deepEqual(doc.paths['/things/{id}'].put.security, [{ bearerAuth: [] }], 'a guarded route says so');
    assert.deepEqual(
      statuses('/bare', 'get'),
      ['200', '400', '431', '503'],
      'a route without a response schema keeps its 200',
    );
    const conflict = doc.paths['/things/{id}'].put.responses['409'];
    assert.deepEqual(conflict.content['application/problem+json'].schema, doc.components.schemas.Problem);

    // the problem+json schemas serialise problems whole (extension members too)
    const refused = await app.inject({ method: 'PUT', url: '/things/a', payload: { name: 1 } });
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.json().code, 'REQUEST.VALIDATION');
    assert.ok(refused.json().requestId, refused.body);
    assert.equal(
      (await app.inject({ method: 'PUT', url: '/things/a', payload: { name: 'x' } })).statusCode,
      204,
    );
    await app.close();
  });
});
