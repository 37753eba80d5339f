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

const INTERNAL_TOKEN = 'internal-secret-for-tests-abcdefghij';

for (const target of httpTargets) {
  describe(
    `multi-process authorization (user service on ${target.name}, another service over HTTP)`,
    { skip: target.skip },
    () => {
      let usersHost: TestPlatform;
      let other: TestPlatform;
      const previousToken = process.env.POLYSHOP_INTERNAL_TOKEN;
      before(async () => {
        // The other process's HTTP clients send its POLYSHOP_INTERNAL_TOKEN (introspection needs it).
        process.env.POLYSHOP_INTERNAL_TOKEN = INTERNAL_TOKEN;
        usersHost = await createTestPlatform({
          target: target.name,
          definitions: [users],
          env: { POLYSHOP_INTERNAL_TOKEN: INTERNAL_TOKEN },
        });
        const address = await usersHost.app.listen({ port: 0, host: '127.0.0.1' });
        // The other process knows the user service only by URL: its authorizer uses users' HTTP client.
        other = await createTestPlatform({
          target: 'pglite',
          definitions: [users, probeService],
          services: ['products'],
          env: { POLYSHOP_USERS_URL: address },
        });
      });
      after(async () => {
        await other?.dispose();
        await usersHost?.dispose();
        if (previousToken === undefined) delete process.env.POLYSHOP_INTERNAL_TOKEN;
        else process.env.POLYSHOP_INTERNAL_TOKEN = previousToken;
      });

      it('runs no user service in the other process', () => {
        assert.deepEqual([...other.modules.keys()], ['products']);
      });

      it('401 without token, 403 without permission, 201 with it — checked by the remote user service', async () => {
        assert.equal((await call(other, 'POST', '/probe/things')).statusCode, 401);
        const reader = await userWithPermissions(usersHost, ['products:read']);
        assert.equal((await call(other, 'POST', '/probe/things', { token: reader.token })).statusCode, 403);
        const writer = await userWithPermissions(usersHost, ['products:write']);
        const created = await call(other, 'POST', '/probe/things', { token: writer.token });
        assert.equal(created.statusCode, 201);
        assert.equal(created.json().createdBy, writer.userId);
      });

      it('a role revoked in the user service applies to the next request in the other process', async () => {
        const writer = await userWithPermissions(usersHost, ['products:write']);
        assert.equal((await call(other, 'POST', '/probe/things', { token: writer.token })).statusCode, 201);
        const admin = await adminToken(usersHost);
        const roleName = (await call(usersHost, 'GET', '/users/me', { token: writer.token })).json().roles[0];
        const roles = (await call(usersHost, 'GET', '/users/roles', { token: admin })).json().items as Array<{
          id: string;
          name: string;
        }>;
        const roleId = roles.find((r) => r.name === roleName)!.id;
        assert.equal(
          (await call(usersHost, 'DELETE', `/users/${writer.userId}/roles/${roleId}`, { token: admin }))
            .statusCode,
          204,
        );
        assert.equal((await call(other, 'POST', '/probe/things', { token: writer.token })).statusCode, 403);
      });

      it('a logout and an erasure apply to the next request in the other process', async () => {
        const first = await userWithPermissions(usersHost, ['products:write']);
        assert.equal((await call(other, 'POST', '/probe/things', { token: first.token })).statusCode, 201);
        assert.equal(
          (await call(usersHost, 'POST', '/users/logout', { token: first.token })).statusCode,
          204,
        );
        assert.equal((await call(other, 'POST', '/probe/things', { token: first.token })).statusCode, 401);

        const second = await userWithPermissions(usersHost, ['products:write']);
        assert.equal((await call(other, 'POST', '/probe/things', { token: second.token })).statusCode, 201);
        assert.equal(
          (await call(usersHost, 'DELETE', `/users/${second.userId}`, { token: second.token })).statusCode,
          204,
        );
        assert.equal((await call(other, 'POST', '/probe/things', { token: second.token })).statusCode, 401);
      });

      it('accepts the internal service token through the user service', async () => {
        const response = await call(other, 'GET', '/probe/whoami', { token: INTERNAL_TOKEN });
        assert.equal(response.statusCode, 200);
        assert.equal(response.json().userId, 'service');
      });

      it('finds a user summary over HTTP with the client', async () => {
        const user = await userWithPermissions(usersHost, []);
        const client = users.httpClient!(usersHost.app.listeningOrigin, { logger: other.logger });
        assert.deepEqual(await client.findUser(user.userId), {
          id: user.userId,
          email: user.email,
          name: user.email.replace(/^user-(\w+)@.*$/, 'Test user $1'),
          status: 'active',
        });
        assert.equal(await client.findUser('01900000-0000-7000-8000-000000000000'), undefined);
      });
    },
  );
}
