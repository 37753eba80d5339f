import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { InjectTarget } from './http-inject.ts';
import { TEST_ADMIN } from './test-platform.ts';

/** A password every test user gets (meets the strength rule). */
export const TEST_PASSWORD = 'Test-Passw0rd!';

async function call<T>(
  platform: InjectTarget,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  payload?: object,
  token?: string,
): Promise<T> {
  const response = await platform.app.inject({
    method,
    url,
    ...(payload ? { payload } : {}),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (response.statusCode >= 300)
    throw new Error(`${method} ${url} answered ${response.statusCode}: ${response.body}`);
  return (response.body ? response.json() : undefined) as T;
}

/** Logs in through `POST /users/login` and returns the access token. */
export async function loginToken(platform: InjectTarget, email: string, password: string): Promise<string> {
  return (await call<{ accessToken: string }>(platform, 'POST', '/users/login', { email, password }))
    .accessToken;
}

/**
 * A bearer access token of the bootstrap admin (`*:*`), which `createTestPlatform` creates from its
 * default `POLYSHOP_ADMIN_EMAIL` / `POLYSHOP_ADMIN_PASSWORD`.
 */
export async function adminToken(platform: InjectTarget): Promise<string> {
  return loginToken(platform, TEST_ADMIN.email, TEST_ADMIN.password);
}

/**
 * Registers a fresh user, creates a role holding `permissions` (`['products:write', …]`) through the
 * admin API, assigns it and logs the user in. `[]` gives a user without any permission.
 */
export async function userWithPermissions(
  platform: InjectTarget,
  permissions: string[],
): Promise<{ userId: string; email: string; token: string }> {
  const suffix = randomBytes(6).toString('hex');
  const email = `user-${suffix}@polyshop.test`;
  const { id: userId } = await call<{ id: string }>(platform, 'POST', '/users/register', {
    email,
    password: TEST_PASSWORD,
    name: `Test user ${suffix}`,
  });
  if (permissions.length > 0) {
    const admin = await adminToken(platform);
    const role = await call<{ id: string }>(
      platform,
      'POST',
      '/users/roles',
      { name: `test-role-${suffix}` },
      admin,
    );
    for (const permission of permissions) {
      const [resource, action] = permission.split(':');
      if (!resource || !action) throw new Error(`Permission "${permission}" is not resource:action`);
      await call(platform, 'POST', `/users/roles/${role.id}/permissions`, { resource, action }, admin);
    }
    await call(platform, 'PUT', `/users/${userId}/roles/${role.id}`, undefined, admin);
  }
  return { userId, email, token: await loginToken(platform, email, TEST_PASSWORD) };
}

/**
 * An HTTP request to `platform` as the holder of `token` (`If-Match: "<version>"` when a version is
 * given), asserted to answer 2xx; resolves to the answer.
 */
export async function requestOk(
  platform: InjectTarget,
  token: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: object,
  version?: number,
) {
  const response = await platform.app.inject({
    method,
    url,
    ...(body ? { payload: body } : {}),
    headers: { authorization: `Bearer ${token}`, ...(version ? { 'if-match': `"${version}"` } : {}) },
  });
  assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
  return response;
}
