import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { adminToken, createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import { auditOf, call, registerAndLogin } from '../support/http.ts';

/** Login throttling keys on the client address: `X-Forwarded-For` counts only from `TRUST_PROXY`. */
describe('login throttling behind a trusted proxy (TRUST_PROXY)', () => {
  const PROXY = '127.0.0.1';
  let platform: TestPlatform;
  let admin: string;
  before(async () => {
    platform = await createTestPlatform({
      target: 'pglite',
      services: ['users'],
      env: {
        TRUST_PROXY: `${PROXY}, 10.0.0.0/8`,
        USERS_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
        USERS_LOGIN_MAX_FAILURES_PER_IP: '5',
        USERS_LOGIN_BACKOFF_BASE_MS: '60000',
      },
    });
    admin = await adminToken(platform);
  });
  after(() => platform?.dispose());

  const login = (email: string, password: string, remote: string, forwardedFor?: string) =>
    call(platform, 'POST', '/users/login', {
      body: { email, password },
      ip: remote,
      ...(forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {}),
    });

  it('throttles the address the proxy forwards for, so the owner behind the same proxy still logs in', async () => {
    const owner = await registerAndLogin(platform);
    const answers = [];
    for (let i = 0; i < 4; i++)
      answers.push((await login(owner.email, 'Wrong-Password-1', PROXY, '203.0.113.7')).statusCode);
    assert.deepEqual(answers, [401, 401, 401, 429]);
    const fromHome = await login(owner.email, owner.password, PROXY, '198.51.100.2');
    assert.equal(fromHome.statusCode, 200, fromHome.body);
    const failed = await auditOf(platform, admin, `userId=${owner.userId}&type=login.failed`);
    assert.deepEqual(new Set(failed.map((entry) => entry.ip)), new Set(['203.0.113.7']));
  });

  it('ignores X-Forwarded-For from any other address: a client cannot pick a fresh address per guess', async () => {
    const owner = await registerAndLogin(platform);
    const attacker = '192.0.2.50';
    const answers = [];
    for (let i = 0; i < 7; i++) {
      const email = i % 2 === 0 ? owner.email : `nobody-${i}@example.com`;
      answers.push((await login(email, 'Wrong-Password-1', attacker, `198.51.100.${i + 10}`)).statusCode);
    }
    // Three free failures on the owner from this address, five on the address itself.
    assert.deepEqual(answers, [401, 401, 401, 401, 401, 429, 429]);
    const failed = await auditOf(platform, admin, `userId=${owner.userId}&type=login.failed`);
    assert.deepEqual(new Set(failed.map((entry) => entry.ip)), new Set([attacker]));
    // The owner, elsewhere, is not held up.
    assert.equal((await login(owner.email, owner.password, '192.0.2.51')).statusCode, 200);
  });
});
