import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, silentLogger } from '@polyshop/kernel';
import { buildPlatform, type PlatformOptions } from '@polyshop/platform';
import { createTestDatabase, dropTestDatabase, repoRoot, testDatabaseUrl } from '@polyshop/testing';
import { call, httpTargets } from '../support/http.ts';

const run = promisify(execFile);
const bin = join(repoRoot, 'packages', 'platform', 'bin', 'polyshop.mjs');

async function polyshop(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

for (const target of httpTargets) {
  describe(`polyshop users create-admin on ${target.name}`, { skip: target.skip }, () => {
    it('creates an admin holding *:* once, refuses a second time and a common password', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'polyshop-admin-'));
      const server = target.name === 'postgres' ? testDatabaseUrl() : undefined;
      const database = server ? await createTestDatabase(server) : undefined;
      const env: NodeJS.ProcessEnv = database ? { DATABASE_URL: database.url } : {};
      const args = [
        'users',
        'create-admin',
        '--email',
        'Chief@Example.com',
        '--password',
        'Chief-Exec-2026!',
        '--data-dir',
        dataDir,
      ];
      try {
        const created = await polyshop(args, env);
        assert.equal(created.code, 0, created.stderr);
        assert.match(created.stdout, /admin created: [0-9a-f-]{36} \(chief@example\.com\)/);
        const again = await polyshop(args, env);
        assert.equal(again.code, 1);
        assert.match(again.stderr, /already exists/);
        const weak = await polyshop(
          [
            'users',
            'create-admin',
            '--email',
            'other@example.com',
            '--password',
            // Long enough, two kinds of characters, but a common password.
            'Passwordpassword',
            '--data-dir',
            dataDir,
          ],
          env,
        );
        assert.equal(weak.code, 65);
        assert.match(weak.stderr, /password: The password is too easy to guess/);

        const options: PlatformOptions = {
          env: { LOG_LEVEL: 'silent', ...env },
          services: ['users'],
          logger: silentLogger(),
          overrides: { POLYSHOP_DATA_DIR: dataDir },
        };
        const platform = await buildPlatform(options);
        try {
          const login = await call(platform, 'POST', '/users/login', {
            body: { email: 'chief@example.com', password: 'Chief-Exec-2026!' },
          });
          assert.equal(login.statusCode, 200, login.body);
          const me = await call(platform, 'GET', '/users/me', { token: login.json().accessToken });
          assert.deepEqual(me.json().permissions, ['*:*']);
          const other = await call(platform, 'POST', '/users/login', {
            body: { email: 'other@example.com', password: 'Passwordpassword' },
          });
          assert.equal(other.statusCode, 401);
        } finally {
          await platform.close();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        if (server && database) await dropTestDatabase(server, database.name);
      }
    });

    it('refuses a common POLYSHOP_ADMIN_PASSWORD at start-up, naming the variable', async () => {
      const server = target.name === 'postgres' ? testDatabaseUrl() : undefined;
      const database = server ? await createTestDatabase(server) : undefined;
      try {
        await assert.rejects(
          createTestPlatformFor(database?.url, { POLYSHOP_ADMIN_PASSWORD: 'password12' }),
          (error: unknown) =>
            error instanceof ConfigError &&
            error.variables.includes('POLYSHOP_ADMIN_PASSWORD') &&
            /too easy to guess/.test(error.message),
        );
      } finally {
        if (server && database) await dropTestDatabase(server, database.name);
      }
    });
  });
}

/** Builds (and closes) the user service alone, in memory, with the bootstrap admin of `env`. */
async function createTestPlatformFor(databaseUrl: string | undefined, env: NodeJS.ProcessEnv) {
  const platform = await buildPlatform({
    env: {
      LOG_LEVEL: 'silent',
      POLYSHOP_ADMIN_EMAIL: 'boot@example.com',
      ...env,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    services: ['users'],
    inMemory: true,
    logger: silentLogger(),
  });
  await platform.close();
}
