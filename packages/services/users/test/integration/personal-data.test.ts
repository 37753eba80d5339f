import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope } from '@polyshop/kernel';
import { adminToken, createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import { eventually } from '@polyshop/testing';
import { auditOf, call, httpTargets, registerAndLogin } from '../support/http.ts';

for (const target of httpTargets) {
  describe(`users: personal data export and erasure on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let admin: string;
    const events: EventEnvelope[] = [];
    before(async () => {
      platform = await createTestPlatform({ target: target.name, services: ['users'] });
      await platform.bus.subscribe({
        consumer: 'test.users-events',
        types: ['user.registered', 'user.erased'],
        handler: async (event) => void events.push(event),
      });
      admin = await adminToken(platform);
    });
    after(() => platform?.dispose());

    it('exports everything held about the user, to the user and to an admin, but not to someone else', async () => {
      const user = await registerAndLogin(platform);
      const mine = await call(platform, 'GET', `/users/${user.userId}/export`, {
        token: user.accessToken,
        headers: { 'user-agent': 'ExportTest/1.0' },
      });
      assert.equal(mine.statusCode, 200);
      const data = mine.json();
      assert.deepEqual(
        { email: data.user.email, name: data.user.name, status: data.user.status },
        { email: user.email, name: 'Ada Lovelace', status: 'active' },
      );
      assert.equal(data.sessions.length, 1);
      assert.ok(data.auditTrail.some((entry: { type: string }) => entry.type === 'user.registered'));
      assert.equal(
        (await call(platform, 'GET', `/users/${user.userId}/export`, { token: admin })).statusCode,
        200,
      );
      const stranger = await registerAndLogin(platform);
      const denied = await call(platform, 'GET', `/users/${user.userId}/export`, {
        token: stranger.accessToken,
      });
      assert.equal(denied.statusCode, 403);
      assert.equal(
        (await call(platform, 'DELETE', `/users/${user.userId}`, { token: stranger.accessToken })).statusCode,
        403,
      );
      assert.equal((await call(platform, 'GET', `/users/${user.userId}/export`)).statusCode, 401);
    });

    it('emits user.registered with id, email and name through the outbox', async () => {
      const user = await registerAndLogin(platform);
      const event = await eventually(
        () =>
          events.find(
            (e) => e.type === 'user.registered' && (e.data as { userId: string }).userId === user.userId,
          ),
        { message: 'user.registered published' },
      );
      assert.deepEqual(event.data, { userId: user.userId, email: user.email, name: 'Ada Lovelace' });
      assert.deepEqual(
        { source: event.source, version: event.version, aggregateId: event.aggregateId },
        { source: 'users', version: 1, aggregateId: user.userId },
      );
    });

    it('erasure: login 401, the same token 401 on the next request, export without personal data, audit rows kept but redacted', async () => {
      const user = await registerAndLogin(platform);
      await call(platform, 'POST', '/users/login', {
        body: { email: user.email, password: 'Wrong-Password-9' },
        headers: { 'user-agent': 'Probe/2.0' },
      });
      const before = await auditOf(platform, admin, `userId=${user.userId}`);
      assert.ok(before.some((entry) => entry.email === user.email));

      const erased = await call(platform, 'DELETE', `/users/${user.userId}`, { token: user.accessToken });
      assert.equal(erased.statusCode, 204);
      assert.equal((await call(platform, 'GET', '/users/me', { token: user.accessToken })).statusCode, 401);
      assert.equal(
        (await call(platform, 'POST', '/users/token/refresh', { body: { refreshToken: user.refreshToken } }))
          .statusCode,
        401,
      );
      assert.equal(
        (await call(platform, 'DELETE', `/users/${user.userId}`, { token: admin })).statusCode,
        404,
      );

      const exported = await call(platform, 'GET', `/users/${user.userId}/export`, { token: admin });
      assert.equal(exported.statusCode, 200);
      const data = exported.json();
      assert.equal(data.user.status, 'erased');
      assert.equal(data.user.email, undefined);
      assert.equal(data.user.name, undefined);
      assert.deepEqual(data.roles, []);
      const text = exported.body;
      for (const personal of [user.email, 'Ada Lovelace', 'Probe/2.0', '127.0.0.1'])
        assert.ok(!text.includes(personal), `export still holds ${personal}`);

      const after = await auditOf(platform, admin, `userId=${user.userId}`);
      assert.ok(after.length >= before.length + 1, 'audit rows are kept');
      assert.ok(
        after.some((entry) => entry.type === 'user.erased'),
        'an erasure row',
      );
      for (const entry of after) {
        assert.equal(entry.email, undefined);
        assert.equal(entry.ip, undefined);
        assert.equal(entry.userAgent, undefined);
      }
      const failedByEmail = await auditOf(platform, admin, 'type=login.failed&limit=1000');
      assert.ok(
        failedByEmail.every((entry) => entry.email !== user.email),
        'failed logins naming the email are redacted',
      );

      await eventually(
        () =>
          events.some(
            (e) => e.type === 'user.erased' && (e.data as { userId: string }).userId === user.userId,
          ),
        { message: 'user.erased published' },
      );
      assert.deepEqual(events.find((e) => e.type === 'user.erased')!.data, { userId: user.userId });
      // Checked last: a failed attempt after erasure is a new audit row naming what the client typed.
      const login = await call(platform, 'POST', '/users/login', {
        body: { email: user.email, password: user.password },
      });
      assert.equal(login.statusCode, 401);
      assert.equal(login.json().code, 'AUTH.INVALID_CREDENTIALS');
      // The email can be registered again by someone new.
      assert.equal(
        (
          await call(platform, 'POST', '/users/register', {
            body: { email: user.email, password: user.password, name: 'New' },
          })
        ).statusCode,
        201,
      );
    });

    it('the audit log is append-only: deleting or rewriting a row is refused by the database', async () => {
      const db = await platform.postgres();
      await assert.rejects(db.query(`DELETE FROM users.security_audit_log`), /append-only/);
      await assert.rejects(db.query(`UPDATE users.security_audit_log SET type = 'logout'`), /append-only/);
      await assert.rejects(
        db.query(`UPDATE users.security_audit_log SET email = 'x@example.com', redacted_at = now()`),
        /append-only/,
      );
    });

    it('an admin can erase another user; the erasure row names the admin as actor', async () => {
      const user = await registerAndLogin(platform);
      assert.equal(
        (await call(platform, 'DELETE', `/users/${user.userId}`, { token: admin })).statusCode,
        204,
      );
      const [row] = await auditOf(platform, admin, `userId=${user.userId}&type=user.erased`);
      const adminId = (await call(platform, 'GET', '/users/me', { token: admin })).json().id;
      assert.equal(row!.actorId, adminId);
      assert.equal((await call(platform, 'GET', '/users/me', { token: user.accessToken })).statusCode, 401);
    });
  });
}
