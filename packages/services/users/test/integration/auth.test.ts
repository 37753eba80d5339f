import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '@polyshop/kernel';
import { adminToken, createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import {
  auditOf,
  call,
  httpTargets,
  registerAndLogin,
  STRONG_PASSWORD,
  uniqueEmail,
} from '../support/http.ts';

for (const target of httpTargets) {
  describe(`users: register, login, refresh, logout on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let admin: string;
    let logs = '';
    before(async () => {
      const destination = new Writable({
        write(chunk, _encoding, done) {
          logs += chunk.toString();
          done();
        },
      });
      platform = await createTestPlatform({
        target: target.name,
        services: ['users'],
        logger: createLogger({ level: 'trace', destination }),
        env: {
          USERS_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
          USERS_LOGIN_MAX_FAILURES_PER_IP: '6',
          USERS_LOGIN_BACKOFF_BASE_MS: '3000',
        },
      });
      admin = await adminToken(platform);
    });
    after(() => platform?.dispose());

    it('registers a user: 201 with id, email (normalised) and name', async () => {
      const email = uniqueEmail('Grace');
      const response = await call(platform, 'POST', '/users/register', {
        body: { email: `  ${email.toUpperCase()} `, password: STRONG_PASSWORD, name: 'Grace' },
      });
      assert.equal(response.statusCode, 201);
      const body = response.json();
      assert.match(body.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual({ email: body.email, name: body.name }, { email: email.toLowerCase(), name: 'Grace' });
    });

    it('rejects a weak password or a bad email with 400 naming the field', async () => {
      const cases = [
        {
          body: { email: uniqueEmail(), password: 'short1A', name: 'x' },
          field: 'password',
          code: 'USERS.WEAK_PASSWORD',
        },
        {
          body: { email: uniqueEmail(), password: 'alllowercaseletters', name: 'x' },
          field: 'password',
          code: 'USERS.WEAK_PASSWORD',
        },
        {
          body: {
            email: 'margaret.hamilton@example.com',
            password: 'margaret.hamilton@example.com1',
            name: 'x',
          },
          field: 'password',
          code: 'USERS.WEAK_PASSWORD',
        },
        // Long enough and two kinds of characters, but common: the strength estimate refuses them.
        {
          body: { email: uniqueEmail(), password: 'password12', name: 'x' },
          field: 'password',
          code: 'USERS.WEAK_PASSWORD',
        },
        {
          body: { email: uniqueEmail(), password: 'Passwordpassword', name: 'x' },
          field: 'password',
          code: 'USERS.WEAK_PASSWORD',
        },
        {
          body: { email: 'not-an-email', password: STRONG_PASSWORD, name: 'x' },
          field: 'email',
          code: 'USERS.INVALID_EMAIL',
        },
        {
          body: { email: uniqueEmail(), password: STRONG_PASSWORD, name: '   ' },
          field: 'name',
          code: 'USERS.INVALID_NAME',
        },
        { body: { email: uniqueEmail(), name: 'x' }, field: 'password', code: 'REQUEST.VALIDATION' },
      ];
      for (const { body, field, code } of cases) {
        const response = await call(platform, 'POST', '/users/register', { body });
        assert.equal(response.statusCode, 400, JSON.stringify(body));
        assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
        assert.deepEqual({ field: response.json().field, code: response.json().code }, { field, code });
        if (code === 'USERS.WEAK_PASSWORD') assert.match(response.json().rule, /zxcvbn/);
      }
      const common = await call(platform, 'POST', '/users/register', {
        body: { email: uniqueEmail(), password: 'password12', name: 'x' },
      });
      assert.match(common.json().detail, /commonly used password.*at least 3 of 4/);
    });

    it('answers 409 for an email already taken, whatever its case', async () => {
      const email = uniqueEmail();
      assert.equal(
        (
          await call(platform, 'POST', '/users/register', {
            body: { email, password: STRONG_PASSWORD, name: 'A' },
          })
        ).statusCode,
        201,
      );
      const duplicate = await call(platform, 'POST', '/users/register', {
        body: { email: email.toUpperCase(), password: STRONG_PASSWORD, name: 'B' },
      });
      assert.equal(duplicate.statusCode, 409);
      assert.deepEqual(
        { code: duplicate.json().code, field: duplicate.json().field },
        { code: 'USERS.EMAIL_TAKEN', field: 'email' },
      );
    });

    it('logs in with tokens, and answers an unknown email and a wrong password with the same 401', async () => {
      const user = await registerAndLogin(platform);
      assert.ok(user.accessToken && user.refreshToken);
      assert.equal(user.expiresIn, 900);
      const me = await call(platform, 'GET', '/users/me', { token: user.accessToken });
      assert.equal(me.statusCode, 200);
      assert.deepEqual(
        {
          id: me.json().id,
          email: me.json().email,
          roles: me.json().roles,
          permissions: me.json().permissions,
        },
        { id: user.userId, email: user.email, roles: [], permissions: [] },
      );

      const wrong = await call(platform, 'POST', '/users/login', {
        body: { email: user.email, password: 'Wrong-Password-1' },
      });
      const unknown = await call(platform, 'POST', '/users/login', {
        body: { email: uniqueEmail('nobody'), password: 'Wrong-Password-1' },
      });
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      assert.deepEqual(strip(wrong.json()), strip(unknown.json()));

      const audit = await auditOf(platform, admin, `userId=${user.userId}`);
      assert.ok(audit.some((entry) => entry.type === 'login.succeeded'));
      assert.ok(audit.some((entry) => entry.type === 'login.failed' && entry.email === user.email));
    });

    it('answers /users/me without a token, or with a forged one, with 401', async () => {
      assert.equal((await call(platform, 'GET', '/users/me')).statusCode, 401);
      const user = await registerAndLogin(platform);
      const [header, payload] = user.accessToken.split('.');
      const forged = `${header}.${payload}.${'A'.repeat(86)}`;
      const response = await call(platform, 'GET', '/users/me', { token: forged });
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().code, 'AUTH.TOKEN_INVALID');
    });

    it('failures from one address never hold the owner up at another (no account lock-out)', async () => {
      const user = await registerAndLogin(platform);
      const attempt = (password: string, ip: string) =>
        call(platform, 'POST', '/users/login', { body: { email: user.email, password }, ip });
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push((await attempt('Wrong-Password-1', '127.0.1.1')).statusCode);
      assert.deepEqual(answers, [401, 401, 401, 429, 429]);
      const owner = await attempt(user.password, '127.0.1.9');
      assert.equal(owner.statusCode, 200, owner.body);
      assert.ok((await auditOf(platform, admin, `userId=${user.userId}&type=login.throttled`)).length >= 1);
    });

    it('makes an (address, account) pair wait longer after each failure past the free ones, alike for unknown emails', async () => {
      const known = await registerAndLogin(platform);
      const waits = async (email: string, ip: string) => {
        const attempt = (password: string) =>
          call(platform, 'POST', '/users/login', { body: { email, password }, ip });
        for (let i = 0; i < 3; i++) assert.equal((await attempt('Wrong-Password-1')).statusCode, 401);
        const first = await attempt(known.password);
        assert.equal(first.statusCode, 429, first.body);
        const firstWait = Number(first.headers['retry-after']);
        await new Promise((resolve) => setTimeout(resolve, firstWait * 1000 + 100));
        assert.equal((await attempt('Wrong-Password-1')).statusCode, 401);
        const second = await attempt('Wrong-Password-1');
        assert.equal(second.statusCode, 429, second.body);
        return { firstWait, secondWait: Number(second.headers['retry-after']), body: second.json() };
      };
      const [forKnown, forUnknown] = await Promise.all([
        waits(known.email, '127.0.3.1'),
        waits(uniqueEmail('nobody'), '127.0.3.2'),
      ]);
      for (const { firstWait, secondWait } of [forKnown, forUnknown]) {
        // USERS_LOGIN_BACKOFF_BASE_MS is 3 s: 3 s after the third failure, 6 s after the fourth.
        assert.ok(firstWait >= 1 && firstWait <= 3, `first wait ${firstWait}`);
        assert.ok(secondWait > 3 && secondWait <= 6, `second wait ${secondWait}`);
      }
      const strip = (body: Record<string, unknown>) => ({
        ...body,
        requestId: undefined,
        detail: undefined,
        retryAfter: undefined,
      });
      assert.deepEqual(strip(forKnown.body), strip(forUnknown.body));
      assert.equal(forKnown.body.code, 'AUTH.TOO_MANY_ATTEMPTS');
    });

    it('throttles repeated failures per IP across accounts, while another IP still logs in', async () => {
      const victim = await registerAndLogin(platform);
      for (let i = 0; i < 6; i++) {
        const response = await call(platform, 'POST', '/users/login', {
          body: { email: uniqueEmail('guess'), password: 'Wrong-Password-1' },
          ip: '127.0.2.1',
        });
        assert.equal(response.statusCode, 401);
      }
      const fromBusyIp = await call(platform, 'POST', '/users/login', {
        body: { email: victim.email, password: victim.password },
        ip: '127.0.2.1',
      });
      assert.equal(fromBusyIp.statusCode, 429);
      const fromOtherIp = await call(platform, 'POST', '/users/login', {
        body: { email: victim.email, password: victim.password },
        ip: '127.0.2.2',
      });
      assert.equal(fromOtherIp.statusCode, 200);
    });

    it('rotates refresh tokens; reusing a spent one revokes the whole family, access tokens included', async () => {
      const user = await registerAndLogin(platform);
      const first = await call(platform, 'POST', '/users/token/refresh', {
        body: { refreshToken: user.refreshToken },
      });
      assert.equal(first.statusCode, 200);
      const rotated = first.json();
      assert.notEqual(rotated.refreshToken, user.refreshToken);
      assert.equal(
        (await call(platform, 'GET', '/users/me', { token: rotated.accessToken })).statusCode,
        200,
      );

      const replay = await call(platform, 'POST', '/users/token/refresh', {
        body: { refreshToken: user.refreshToken },
      });
      assert.equal(replay.statusCode, 401);
      assert.equal(replay.json().code, 'AUTH.REFRESH_TOKEN_REUSED');
      assert.equal(
        (
          await call(platform, 'POST', '/users/token/refresh', {
            body: { refreshToken: rotated.refreshToken },
          })
        ).statusCode,
        401,
      );
      assert.equal(
        (await call(platform, 'GET', '/users/me', { token: rotated.accessToken })).statusCode,
        401,
      );
      assert.equal((await call(platform, 'GET', '/users/me', { token: user.accessToken })).statusCode, 401);
      assert.ok(
        (await auditOf(platform, admin, `userId=${user.userId}&type=token.reuse_detected`)).length === 1,
      );
      assert.equal(
        (await call(platform, 'POST', '/users/token/refresh', { body: { refreshToken: 'never-issued' } }))
          .statusCode,
        401,
      );
    });

    it('two concurrent refreshes with one token: exactly one is exchanged, the other counts as reuse', async () => {
      const user = await registerAndLogin(platform);
      const answers = await Promise.all(
        [1, 2].map(() =>
          call(platform, 'POST', '/users/token/refresh', { body: { refreshToken: user.refreshToken } }),
        ),
      );
      assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 401]);
      assert.equal(answers.find((a) => a.statusCode === 401)!.json().code, 'AUTH.REFRESH_TOKEN_REUSED');
    });

    it('logout ends the session on the very next request: access and refresh tokens stop working', async () => {
      const user = await registerAndLogin(platform);
      const other = await call(platform, 'POST', '/users/login', {
        body: { email: user.email, password: user.password },
      });
      const logout = await call(platform, 'POST', '/users/logout', { token: user.accessToken });
      assert.equal(logout.statusCode, 204);
      assert.equal((await call(platform, 'GET', '/users/me', { token: user.accessToken })).statusCode, 401);
      assert.equal(
        (await call(platform, 'POST', '/users/token/refresh', { body: { refreshToken: user.refreshToken } }))
          .statusCode,
        401,
      );
      // Another session of the same user is untouched.
      assert.equal(
        (await call(platform, 'GET', '/users/me', { token: other.json().accessToken })).statusCode,
        200,
      );
      // Logging out by refresh token works too.
      assert.equal(
        (await call(platform, 'POST', '/users/logout', { body: { refreshToken: other.json().refreshToken } }))
          .statusCode,
        204,
      );
      assert.equal(
        (await call(platform, 'GET', '/users/me', { token: other.json().accessToken })).statusCode,
        401,
      );
      assert.equal((await call(platform, 'POST', '/users/logout')).statusCode, 401);
      assert.equal((await auditOf(platform, admin, `userId=${user.userId}&type=logout`)).length, 2);
    });

    it('never stores or logs a password in clear: scrypt hashes only', async () => {
      const password = 'Very-Distinctive-Secret-777';
      const email = uniqueEmail('secret');
      await registerAndLogin(platform, email, password);
      await call(platform, 'POST', '/users/login', { body: { email, password: `${password}x` } });
      const db = await platform.postgres();
      const [row] = await db.query<{ password_hash: string }>(
        `SELECT password_hash FROM users.users WHERE email = $1`,
        [email],
      );
      assert.match(row!.password_hash, /^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
      assert.ok(!row!.password_hash.includes(password));
      const everywhere = await db.query<{ text: string }>(
        `SELECT row_to_json(a)::text AS text FROM users.security_audit_log a
         UNION ALL SELECT envelope::text FROM users.outbox
         UNION ALL SELECT row_to_json(s)::text FROM users.sessions s`,
      );
      assert.ok(everywhere.length > 0);
      assert.ok(everywhere.every((r) => !r.text.includes(password)));
      assert.ok(logs.length > 0, 'the platform logged something');
      assert.ok(!logs.includes(password));
    });
  });
}
