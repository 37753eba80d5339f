import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createPolyshopClient } from '@polyshop/client';
import { CLIENT_GENERATE_COMMAND, CLIENT_SCHEMA_FILE, renderClientSchema } from '@polyshop/client/generate';
import { TEST_ADMIN, createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import { openApiDocument } from '../src/openapi-document.ts';

/** The first line where `a` and `b` differ, with both versions of it (undefined when equal). */
function firstDifference(a: string, b: string): string | undefined {
  const left = a.split('\n');
  const right = b.split('\n');
  for (let i = 0; i < Math.max(left.length, right.length); i++)
    if (left[i] !== right[i])
      return `line ${i + 1}:\n  committed: ${left[i] ?? '(end of file)'}\n  generated: ${right[i] ?? '(end of file)'}`;
  return undefined;
}

describe('@polyshop/client (issue 18)', () => {
  it('its committed types are what the platform serves at /docs/json (drift check)', async () => {
    const generated = await renderClientSchema(await openApiDocument());
    const committed = await readFile(CLIENT_SCHEMA_FILE, 'utf8');
    const difference = firstDifference(committed, generated);
    assert.equal(
      difference,
      undefined,
      `${CLIENT_SCHEMA_FILE} is stale: the OpenAPI document changed. Run \`${CLIENT_GENERATE_COMMAND}\` and commit the file.\nFirst difference at ${difference}`,
    );
  });

  describe('against a platform listening on a port (PGlite)', () => {
    let platform: TestPlatform;
    let baseUrl: string;
    before(async () => {
      platform = await createTestPlatform({ target: 'pglite' });
      baseUrl = await platform.app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(() => platform?.dispose());

    it('signs in, then reads the profile with the token it was given', async () => {
      let token: string | undefined;
      const client = createPolyshopClient({ baseUrl, token: () => token });
      const anonymous = await client.GET('/users/me');
      assert.equal(anonymous.response.status, 401);
      assert.equal(anonymous.error?.code, 'AUTH.TOKEN_MISSING', JSON.stringify(anonymous.error));

      const login = await client.POST('/users/login', { body: TEST_ADMIN });
      assert.equal(login.response.status, 200, JSON.stringify(login.error));
      token = login.data!.accessToken;
      const me = await client.GET('/users/me');
      assert.equal(me.data?.email, TEST_ADMIN.email);
      assert.ok(me.data?.permissions.includes('*:*'), JSON.stringify(me.data));
    });

    it('answers a failed write with the typed problem', async () => {
      const client = createPolyshopClient({ baseUrl });
      const { error, response } = await client.POST('/users/login', {
        body: { email: TEST_ADMIN.email, password: 'not-the-password' },
      });
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal(error?.status, 401);
    });
  });
});
