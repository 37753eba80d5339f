import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { definition as users } from '@polyshop/users';
import {
  adminToken,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { call, httpTargets } from '../support/http.ts';
import { probeService } from '../support/probe-service.ts';

const INTERNAL_TOKEN = 'internal-secret-for-tests-0123456789';

for (const target of httpTargets) {
  describe(`authorize('products', 'write') hook on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    before(async () => {
      platform = await createTestPlatform({
        target: target.name,
        definitions: [users, probeService],
        env: { POLYSHOP_INTERNAL_TOKEN: INTERNAL_TOKEN },
      });
    });
    after(() => platform?.dispose());

    it('answers 401 without a token or with a malformed header', async () => {
      const none = await call(platform, 'POST', '/probe/things');
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().code, 'AUTH.TOKEN_MISSING');
      const basic = await call(platform, 'POST', '/probe/things', {
        headers: { authorization: 'Basic YTpi' },
      });
      assert.equal(basic.statusCode, 401);
    });

    it('answers 403 without the permission, and 2xx with it', async () => {
      const reader = await userWithPermissions(platform, ['products:read']);
      const denied = await call(platform, 'POST', '/probe/things', { token: reader.token });
      assert.equal(denied.statusCode, 403);
      assert.deepEqual(
        { code: denied.json().code, required: denied.json().required },
        { code: 'AUTH.FORBIDDEN', required: 'products:write' },
      );
      const writer = await userWithPermissions(platform, ['products:write']);
      const allowed = await call(platform, 'POST', '/probe/things', { token: writer.token });
      assert.equal(allowed.statusCode, 201);
      assert.equal(allowed.json().createdBy, writer.userId);
    });

    it('honours wildcards: products:* and the admin’s *:*', async () => {
      const anything = await userWithPermissions(platform, ['products:*']);
      assert.equal(
        (await call(platform, 'POST', '/probe/things', { token: anything.token })).statusCode,
        201,
      );
      assert.equal(
        (await call(platform, 'POST', '/probe/things', { token: await adminToken(platform) })).statusCode,
        201,
      );
    });

    it('accepts POLYSHOP_INTERNAL_TOKEN as the service principal, and nothing close to it', async () => {
      const service = await call(platform, 'GET', '/probe/whoami', { token: INTERNAL_TOKEN });
      assert.equal(service.statusCode, 200);
      assert.deepEqual(service.json(), { userId: 'service', roles: ['service'], permissions: ['*:*'] });
      assert.equal(
        (await call(platform, 'POST', '/probe/things', { token: INTERNAL_TOKEN })).statusCode,
        201,
      );
      assert.equal(
        (await call(platform, 'POST', '/probe/things', { token: `${INTERNAL_TOKEN}x` })).statusCode,
        401,
      );
    });

    it('answers POST /users/internal/introspect only to a caller holding the internal credential', async () => {
      const user = await userWithPermissions(platform, ['products:write']);
      const introspect = (token: string | undefined) =>
        call(platform, 'POST', '/users/internal/introspect', { body: { token: user.token }, token });
      const anonymous = await introspect(undefined);
      assert.equal(anonymous.statusCode, 401, anonymous.body);
      assert.equal(anonymous.json().code, 'AUTH.TOKEN_MISSING');
      // Its own access token does not let a user read principals (its own or a stolen one's).
      for (const token of [user.token, await adminToken(platform), `${INTERNAL_TOKEN}x`]) {
        const refused = await introspect(token);
        assert.equal(refused.statusCode, 403, refused.body);
        assert.equal(refused.json().code, 'AUTH.INTERNAL_ONLY');
        assert.equal(refused.json().permissions, undefined);
      }
      const service = await introspect(INTERNAL_TOKEN);
      assert.equal(service.statusCode, 200, service.body);
      assert.deepEqual(
        { userId: service.json().userId, permissions: service.json().permissions },
        { userId: user.userId, permissions: ['products:write'] },
      );
    });
  });
}

describe('authorizer without POLYSHOP_INTERNAL_TOKEN', () => {
  let platform: TestPlatform;
  before(async () => {
    platform = await createTestPlatform({ target: 'pglite', definitions: [users, probeService] });
  });
  after(() => platform?.dispose());

  it('does not accept a would-be internal token', async () => {
    assert.equal((await call(platform, 'POST', '/probe/things', { token: INTERNAL_TOKEN })).statusCode, 401);
  });

  it('lets nobody introspect over HTTP', async () => {
    const admin = await adminToken(platform);
    for (const token of [admin, INTERNAL_TOKEN]) {
      const response = await call(platform, 'POST', '/users/internal/introspect', {
        body: { token: admin },
        token,
      });
      assert.equal(response.statusCode, 403, response.body);
    }
  });
});

describe('authorizer without a user service', () => {
  let platform: TestPlatform;
  before(async () => {
    platform = await createTestPlatform({ target: 'pglite', definitions: [probeService] });
  });
  after(() => platform?.dispose());

  it('answers guarded routes with 503, never letting anyone through', async () => {
    const response = await call(platform, 'POST', '/probe/things', { token: 'anything' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().code, 'AUTH.UNAVAILABLE');
  });
});
