import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  adminToken,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { auditOf, call, httpTargets, registerAndLogin } from '../support/http.ts';

const UNKNOWN = '01900000-0000-7000-8000-000000000000';

for (const target of httpTargets) {
  describe(`users: roles and permissions on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let admin: string;
    before(async () => {
      platform = await createTestPlatform({ target: target.name, services: ['users'] });
      admin = await adminToken(platform);
    });
    after(() => platform?.dispose());

    async function newRole(name = `role-${Math.random().toString(36).slice(2, 8)}`) {
      const response = await call(platform, 'POST', '/users/roles', {
        token: admin,
        body: { name, description: 'test role' },
      });
      assert.equal(response.statusCode, 201, response.body);
      return response.json<{ id: string; name: string }>();
    }

    it('the bootstrap admin holds the admin role with every permission (*:*)', async () => {
      const me = await call(platform, 'GET', '/users/me', { token: admin });
      assert.deepEqual(
        { roles: me.json().roles, permissions: me.json().permissions },
        { roles: ['admin'], permissions: ['*:*'] },
      );
    });

    it('creates roles, 409 for a duplicate name (case-insensitive), 400 naming a bad field', async () => {
      const role = await newRole('Catalog-Editors');
      assert.equal(
        (await call(platform, 'GET', `/users/roles/${role.id}`, { token: admin })).json().name,
        'Catalog-Editors',
      );
      const duplicate = await call(platform, 'POST', '/users/roles', {
        token: admin,
        body: { name: 'catalog-editors' },
      });
      assert.equal(duplicate.statusCode, 409);
      assert.deepEqual(
        { code: duplicate.json().code, field: duplicate.json().field },
        { code: 'USERS.ROLE_NAME_TAKEN', field: 'name' },
      );
      const bad = await call(platform, 'POST', '/users/roles', { token: admin, body: { name: '' } });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().field, 'name');
    });

    it('grants a permission once (201, then 200), and names a bad resource', async () => {
      const role = await newRole();
      const first = await call(platform, 'POST', `/users/roles/${role.id}/permissions`, {
        token: admin,
        body: { resource: 'products', action: 'write' },
      });
      assert.equal(first.statusCode, 201);
      const again = await call(platform, 'POST', `/users/roles/${role.id}/permissions`, {
        token: admin,
        body: { resource: 'products', action: 'write' },
      });
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().id, first.json().id);
      const bad = await call(platform, 'POST', `/users/roles/${role.id}/permissions`, {
        token: admin,
        body: { resource: 'Products!', action: 'write' },
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().field, 'resource');
      const roleNow = await call(platform, 'GET', `/users/roles/${role.id}`, { token: admin });
      assert.deepEqual(
        roleNow
          .json()
          .permissions.map((p: { resource: string; action: string }) => `${p.resource}:${p.action}`),
        ['products:write'],
      );
    });

    it('answers 404, never a dangling row or a 500, for unknown roles, users and permissions', async () => {
      const user = await registerAndLogin(platform);
      const role = await newRole();
      const cases: Array<[method: 'PUT' | 'DELETE' | 'POST', url: string, code: string]> = [
        ['PUT', `/users/${user.userId}/roles/${UNKNOWN}`, 'USERS.ROLE_NOT_FOUND'],
        ['PUT', `/users/${UNKNOWN}/roles/${role.id}`, 'USERS.USER_NOT_FOUND'],
        ['POST', `/users/roles/${UNKNOWN}/permissions`, 'USERS.ROLE_NOT_FOUND'],
        ['DELETE', `/users/roles/${role.id}/permissions/${UNKNOWN}`, 'USERS.PERMISSION_NOT_GRANTED'],
        ['DELETE', `/users/roles/${UNKNOWN}/permissions/${UNKNOWN}`, 'USERS.ROLE_NOT_FOUND'],
        ['DELETE', `/users/${user.userId}/roles/${role.id}`, 'USERS.ROLE_NOT_ASSIGNED'],
      ];
      for (const [method, url, code] of cases) {
        const response = await call(platform, method, url, {
          token: admin,
          ...(method === 'POST' ? { body: { resource: 'products', action: 'read' } } : {}),
        });
        assert.equal(response.statusCode, 404, `${method} ${url}: ${response.body}`);
        assert.equal(response.json().code, code);
      }
      const malformed = await call(platform, 'PUT', `/users/not-a-uuid/roles/${role.id}`, { token: admin });
      assert.equal(malformed.statusCode, 400);
      assert.equal(malformed.json().field, 'userId');
      const db = await platform.postgres();
      const [dangling] = await db.query<{ n: number }>(
        `SELECT count(*) AS n FROM users.user_roles WHERE role_id = $1 OR user_id = $1`,
        [UNKNOWN],
      );
      assert.equal(dangling!.n, 0);
      const me = await call(platform, 'GET', '/users/me', { token: user.accessToken });
      assert.deepEqual(me.json().roles, []);
    });

    it('a revoked role takes effect on the very next request with the same token (403)', async () => {
      const user = await registerAndLogin(platform);
      const role = await newRole();
      await call(platform, 'POST', `/users/roles/${role.id}/permissions`, {
        token: admin,
        body: { resource: 'users', action: 'admin' },
      });
      assert.equal(
        (await call(platform, 'GET', '/users/roles', { token: user.accessToken })).statusCode,
        403,
      );
      assert.equal(
        (await call(platform, 'PUT', `/users/${user.userId}/roles/${role.id}`, { token: admin })).statusCode,
        204,
      );
      assert.equal(
        (await call(platform, 'PUT', `/users/${user.userId}/roles/${role.id}`, { token: admin })).statusCode,
        204,
        'idempotent',
      );
      assert.equal(
        (await call(platform, 'GET', '/users/roles', { token: user.accessToken })).statusCode,
        200,
      );
      assert.equal(
        (await call(platform, 'DELETE', `/users/${user.userId}/roles/${role.id}`, { token: admin }))
          .statusCode,
        204,
      );
      const after = await call(platform, 'GET', '/users/roles', { token: user.accessToken });
      assert.equal(after.statusCode, 403);
      assert.deepEqual(
        { code: after.json().code, required: after.json().required },
        { code: 'AUTH.FORBIDDEN', required: 'users:admin' },
      );

      const audit = await auditOf(platform, admin, `userId=${user.userId}`);
      const types = audit.map((entry) => entry.type);
      assert.ok(types.includes('user.role_granted') && types.includes('user.role_revoked'), types.join());
      assert.equal(
        audit.find((entry) => entry.type === 'user.role_granted')!.actorId,
        (await call(platform, 'GET', '/users/me', { token: admin })).json().id,
      );
    });

    it('a permission withdrawn from a role takes effect on the very next request (403)', async () => {
      const user = await userWithPermissions(platform, ['users:admin']);
      assert.equal((await call(platform, 'GET', '/users/roles', { token: user.token })).statusCode, 200);
      const roles = (await call(platform, 'GET', '/users/roles', { token: admin })).json().items as Array<{
        id: string;
        name: string;
        permissions: Array<{ id: string }>;
      }>;
      const me = (await call(platform, 'GET', '/users/me', { token: user.token })).json();
      const role = roles.find((r) => r.name === me.roles[0])!;
      const revoke = await call(
        platform,
        'DELETE',
        `/users/roles/${role.id}/permissions/${role.permissions[0]!.id}`,
        { token: admin },
      );
      assert.equal(revoke.statusCode, 204);
      assert.equal((await call(platform, 'GET', '/users/roles', { token: user.token })).statusCode, 403);
      const audit = await auditOf(platform, admin, 'type=role.permission_revoked');
      assert.ok(audit.some((entry) => (entry.details as { roleId?: string }).roleId === role.id));
    });

    it('admin routes answer 401 without a token and 403 without users:admin', async () => {
      const user = await registerAndLogin(platform);
      assert.equal((await call(platform, 'POST', '/users/roles', { body: { name: 'x' } })).statusCode, 401);
      assert.equal(
        (await call(platform, 'POST', '/users/roles', { token: user.accessToken, body: { name: 'x' } }))
          .statusCode,
        403,
      );
      assert.equal(
        (await call(platform, 'GET', '/users/audit', { token: user.accessToken })).statusCode,
        403,
      );
    });

    it('documents its routes in OpenAPI, guarded ones with bearer security', async () => {
      const doc = (await call(platform, 'GET', '/docs/json')).json();
      for (const path of [
        '/users/register',
        '/users/login',
        '/users/token/refresh',
        '/users/logout',
        '/users/me',
        '/users/roles/{roleId}/permissions',
        '/users/{userId}/roles/{roleId}',
        '/users/{userId}/export',
        '/users/audit',
      ]) {
        assert.ok(doc.paths[path], path);
      }
      assert.deepEqual(doc.paths['/users/roles'].post.security, [{ bearerAuth: [] }]);
    });

    it('filters the audit trail by user, type and time, newest first', async () => {
      const user = await registerAndLogin(platform);
      const all = await auditOf(platform, admin, `userId=${user.userId}`);
      assert.deepEqual(
        all.map((e) => e.type),
        ['login.succeeded', 'user.registered'],
      );
      assert.ok(all.every((e) => e.targetUserId === user.userId));
      const registered = await auditOf(platform, admin, `userId=${user.userId}&type=user.registered`);
      assert.equal(registered.length, 1);
      assert.equal(registered[0]!.email, user.email);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      assert.equal(
        (await auditOf(platform, admin, `userId=${user.userId}&from=${encodeURIComponent(future)}`)).length,
        0,
      );
      assert.equal(
        (await auditOf(platform, admin, `userId=${user.userId}&to=${encodeURIComponent(future)}`)).length,
        2,
      );
      const bad = await call(platform, 'GET', '/users/audit?type=nonsense', { token: admin });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().field, 'type');
    });
  });
}
