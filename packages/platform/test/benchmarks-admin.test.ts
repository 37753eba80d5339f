import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  adminToken,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { saveBenchmarkRun } from './support/benchmark-run.ts';

/** Issue 18: `GET /admin/benchmarks` serves the run `npm run bench -- --report` saved, to staff only. */
describe('GET /admin/benchmarks (PGlite)', () => {
  let platform: TestPlatform;
  let missing: TestPlatform;
  let saved: { folder: string; file: string };

  before(async () => {
    saved = await saveBenchmarkRun('money');
    platform = await createTestPlatform({
      target: 'pglite',
      env: { POLYSHOP_BENCHMARKS_FILE: saved.file },
    });
    missing = await createTestPlatform({
      target: 'pglite',
      env: { POLYSHOP_BENCHMARKS_FILE: join(saved.folder, 'not-run.json') },
    });
  });
  after(async () => {
    await platform?.dispose();
    await missing?.dispose();
    if (saved) await rm(saved.folder, { recursive: true, force: true });
  });

  const get = (on: TestPlatform, token?: string) =>
    on.app.inject({
      method: 'GET',
      url: '/admin/benchmarks',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('answers staff (platform:read) with the saved run as the bench wrote it', async () => {
    const reader = await userWithPermissions(platform, ['platform:read']);
    const response = await get(platform, reader.token);
    assert.equal(response.statusCode, 200);
    const written = JSON.parse(await readFile(saved.file, 'utf8')) as unknown;
    assert.deepEqual(response.json(), written);
    const run = response.json<{ command: string; results: { scenario: string; target: string }[] }>();
    assert.match(run.command, /bench money --scale small --target pglite --report/);
    assert.deepEqual(
      run.results.map((r) => `${r.scenario} on ${r.target}`),
      ['money on pglite'],
    );
  });

  it('refuses without a token (401) and without platform:read or platform:admin (403)', async () => {
    assert.equal((await get(platform)).statusCode, 401);
    const customer = await userWithPermissions(platform, ['products:read']);
    const forbidden = await get(platform, customer.token);
    assert.equal(forbidden.statusCode, 403);
    assert.match(forbidden.headers['content-type'] as string, /^application\/problem\+json/);
  });

  it('answers 404 problem+json when no run is saved', async () => {
    const response = await get(missing, await adminToken(missing));
    assert.equal(response.statusCode, 404);
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal(response.json().code, 'PLATFORM.NO_BENCHMARKS');
  });
});
