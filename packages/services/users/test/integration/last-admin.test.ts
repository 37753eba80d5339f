import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { AppError } from '@polyshop/kernel';
import assert from 'node:assert/strict';
import {
  adminToken,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { unassignRole } from '../../src/app/manage-roles.ts';
import { call, httpTargets, registerAndLogin } from '../support/http.ts';

interface RoleView {
  id: string;
  name: string;
  permissions: Array<{ id: string; resource: string; action: string }>;
}

for (const target of httpTargets) {
  describe(`users: an administrator always remains (${target.name})`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let admin: { token: string; userId: string };
    let adminRole: RoleView;
    before(async () => {
      platform = await createTestPlatform({ target: target.name, services: ['users'] });
      const token = await adminToken(platform);
      admin = { token, userId: (await call(platform, 'GET', '/users/me', { token })).json().id };
      adminRole = (await rolesSeenBy(token)).find((role) => role.name === 'admin')!;
    });
    after(() => platform?.dispose());

    async function rolesSeenBy(token: string): Promise<RoleView[]> {
      const response = await call(platform, 'GET', '/users/roles', { token });
      assert.equal(response.statusCode, 200, response.body);
      return response.json<{ items: RoleView[] }>().items;
    }

    async function permissionsOf(token: string): Promise<string[]> {
      return (await call(platform, 'GET', '/users/me', { token })).json().permissions;
    }

    function assertLastAdmin(response: LightMyRequestResponse, field: string) {
      assert.equal(response.statusCode, 409, response.body);
      assert.deepEqual(
        { code: response.json().code, field: response.json().field },
        { code: 'USERS.LAST_ADMIN', field },
      );
      assert.match(response.json().detail, /no active account holding users:admin/);
    }

    it('refuses to withdraw *:* from the admin role, take the last admin’s role, or erase the last admin', async () => {
      const star = adminRole.permissions.find((p) => p.resource === '*' && p.action === '*')!;
      assertLastAdmin(
        await call(platform, 'DELETE', `/users/roles/${adminRole.id}/permissions/${star.id}`, {
          token: admin.token,
        }),
        'permissionId',
      );
      assertLastAdmin(
        await call(platform, 'DELETE', `/users/${admin.userId}/roles/${adminRole.id}`, {
          token: admin.token,
        }),
        'roleId',
      );
      assertLastAdmin(
        await call(platform, 'DELETE', `/users/${admin.userId}`, { token: admin.token }),
        'userId',
      );
      // Nothing changed: the admin still holds every permission and can still log in.
      assert.deepEqual(await permissionsOf(await adminToken(platform)), ['*:*']);
    });

    it('allows the change while another active account holds users:admin, then guards that one', async () => {
      const other = await userWithPermissions(platform, ['users:admin']);
      assert.equal(
        (
          await call(platform, 'DELETE', `/users/${admin.userId}/roles/${adminRole.id}`, {
            token: admin.token,
          })
        ).statusCode,
        204,
      );
      assert.deepEqual(await permissionsOf(admin.token), []);
      const otherRole = (await rolesSeenBy(other.token)).find((role) =>
        role.permissions.some((p) => p.resource === 'users' && p.action === 'admin'),
      )!;
      assertLastAdmin(
        await call(
          platform,
          'DELETE',
          `/users/roles/${otherRole.id}/permissions/${otherRole.permissions[0]!.id}`,
          { token: other.token },
        ),
        'permissionId',
      );
      // The remaining admin gives the role back, then steps down.
      assert.equal(
        (await call(platform, 'PUT', `/users/${admin.userId}/roles/${adminRole.id}`, { token: other.token }))
          .statusCode,
        204,
      );
      assert.equal(
        (
          await call(platform, 'DELETE', `/users/${other.userId}/roles/${otherRole.id}`, {
            token: other.token,
          })
        ).statusCode,
        204,
      );
      assert.deepEqual(await permissionsOf(admin.token), ['*:*']);
    });

    it('two admins taking the admin role from each other at once: exactly one succeeds, the other is refused', async () => {
      const second = await registerAndLogin(platform);
      assert.equal(
        (await call(platform, 'PUT', `/users/${second.userId}/roles/${adminRole.id}`, { token: admin.token }))
          .statusCode,
        204,
      );
      // Straight to the use case, both at once: through HTTP the second request's own authorization
      // could already see the first change (403) and never reach the race.
      const deps = platform.module('users')!.deps;
      const asAdmin = (userId: string) => ({
        principal: { userId, roles: ['admin'], permissions: ['*:*'] },
      });
      const outcomes = await Promise.allSettled([
        unassignRole(deps, second.userId, adminRole.id, asAdmin(admin.userId)),
        unassignRole(deps, admin.userId, adminRole.id, asAdmin(second.userId)),
      ]);
      assert.deepEqual(outcomes.map((outcome) => outcome.status).sort(), ['fulfilled', 'rejected']);
      const refused = outcomes.find((outcome) => outcome.status === 'rejected')!;
      assert.ok(
        refused.reason instanceof AppError && refused.reason.code === 'USERS.LAST_ADMIN',
        String(refused.reason),
      );
      const holders = [await permissionsOf(admin.token), await permissionsOf(second.accessToken)].filter(
        (permissions) => permissions.includes('*:*'),
      );
      assert.equal(holders.length, 1);
    });
  });
}
