import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCI } from '@polyshop/testing';
import {
  httpJson,
  startPolyshop,
  TEST_ADMIN,
  TEST_PASSWORD,
  type PolyshopProcess,
} from '@polyshop/platform/testing';

/** `schemathesis` on the PATH, or where `pip install --user` puts it; undefined when not installed. */
function schemathesisBinary(): string | undefined {
  for (const candidate of ['schemathesis', join(homedir(), '.local', 'bin', 'schemathesis')])
    if (spawnSync(candidate, ['--version'], { encoding: 'utf8' }).status === 0) return candidate;
  return undefined;
}

const binary = schemathesisBinary();
if (!binary && isCI)
  throw new Error('schemathesis is not installed: CI installs it (pip install --user schemathesis).');
const skip = binary ? false : 'schemathesis is not installed (pip install --user schemathesis)';

const CHECKS = 'not_a_server_error,status_code_conformance,response_schema_conformance';
const SEED = '20261206';

/**
 * The operations that end the session whose token a run sends, so that every request after them would
 * be a 401 and the rest of the run would test nothing but the refusal: `POST /users/logout` (with an
 * empty body it ends the access token's own session) and, for a customer, `DELETE /users/{userId}`
 * (schemathesis reuses the id `GET /users/me` answered, and a user may erase itself). They are not
 * left out: each authenticated case runs them last, in a second run of their own. The admin's own
 * erasure and the removal of its role stay in its main run: they are refused (409 USERS.LAST_ADMIN),
 * and the run asserts afterwards that the admin is still one.
 */
const LOGOUT = 'POST /users/logout';
const ERASE_USER = 'DELETE /users/{userId}';

/**
 * Settings of every run: no automatic sign-up (with no credentials given, schemathesis 4.32 registers
 * and logs in a user through `POST /users/register`, which would make the anonymous run a customer's)
 * and no cache (it replays what earlier runs learnt, from a `.schemathesis` folder in its working
 * directory, so a run would depend on the runs before it).
 */
const CONFIG = '[auth]\nauto-signup = false\n\n[cache]\nenabled = false\n';

/**
 * Runs schemathesis against `url`'s `/docs/json`, with the checks, examples and seed every run shares
 * and then `extra` (a header, operations to include or exclude), in `dir` (created for it: its config,
 * reports and hypothesis database); resolves with its exit code and output.
 */
function runSchemathesis(
  url: string,
  dir: string,
  extra: string[],
): Promise<{ code: number | null; output: string }> {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'schemathesis.toml');
  writeFileSync(config, CONFIG);
  const args = [
    '--config-file',
    config,
    'run',
    `${url}/docs/json`,
    '--checks',
    CHECKS,
    '--max-examples',
    '15',
    '--seed',
    SEED,
    '--report-dir',
    join(dir, 'report'),
    ...extra,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(binary!, args, {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/**
 * Asserts schemathesis tested every operation it selected, `selected` of them, and found nothing; its
 * summary (operations, test cases, time) goes to the test's output.
 */
function assertClean(t: TestContext, run: { code: number | null; output: string }, selected: number): void {
  const summary = /Test cases:\s*\n\s*(.+)\n[\s\S]*?=+ (.+) =+\s*$/.exec(run.output);
  t.diagnostic(`schemathesis: ${summary ? `${summary[1]}; ${summary[2]}` : 'no summary'}`);
  const counts = /Selected: (\d+)\/(\d+)[\s\S]*Tested: (\d+)/.exec(run.output);
  assert.ok(counts, `no summary in schemathesis's output:\n${run.output.slice(-3000)}`);
  assert.equal(Number(counts[1]), selected, `operations selected:\n${run.output.slice(-3000)}`);
  assert.equal(
    Number(counts[3]),
    selected,
    `every selected operation was tested:\n${run.output.slice(-3000)}`,
  );
  assert.equal(run.code, 0, `schemathesis found failures:\n${run.output.slice(-12_000)}`);
}

/** The operations schemathesis warns answered nothing but 401 (none when it does not warn). */
function onlyUnauthorized(output: string): string[] {
  const section = /401 Unauthorized \(\d+ operations?\):\n((?:[ \t]+- .+\n)+)/.exec(output);
  return section ? [...section[1]!.matchAll(/- (.+)/g)].map((match) => match[1]!.trim()) : [];
}

/**
 * Operations that answer 401 whatever token is sent, when the credential in their body is wrong (a
 * made-up refresh token, an unknown password): the only ones an authenticated run may see only 401s on.
 */
const BODY_CREDENTIAL_OPERATIONS = ['POST /users/token/refresh', 'POST /users/login'];

/** Asserts the run's token worked throughout: no operation but those checking a body credential saw only 401s. */
function assertTokenAccepted(output: string): void {
  const refused = onlyUnauthorized(output).filter((label) => !BODY_CREDENTIAL_OPERATIONS.includes(label));
  assert.deepEqual(refused, [], `operations that answered only 401:\n${output.slice(-6000)}`);
}

/** Logs `email` in through the API and returns its access token. */
async function login(url: string, email: string, password: string): Promise<string> {
  const response = await httpJson(url, 'POST', '/users/login', { body: { email, password } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.accessToken as string;
}

/**
 * Issue 15's first "Must show": schemathesis (from PyPI) against `/docs/json` of `polyshop start`,
 * unauthenticated, as a customer and as an admin — no server error, no undocumented status code, no
 * response outside its schema. Bounded: 15 examples per operation and phase, one fixed seed (about a
 * minute a run).
 */
describe('schemathesis finds no server error, undocumented status or schema violation', { skip }, () => {
  let server: PolyshopProcess;
  const dataDir = mkdtempSync(join(tmpdir(), 'polyshop-schemathesis-'));
  let operations: number;

  before(async () => {
    server = await startPolyshop({
      dataDir,
      env: { POLYSHOP_ADMIN_EMAIL: TEST_ADMIN.email, POLYSHOP_ADMIN_PASSWORD: TEST_ADMIN.password },
    });
    const document = await httpJson(server.url, 'GET', '/docs/json');
    operations = Object.values(document.body.paths as Record<string, object>)
      .flatMap((item) => Object.keys(item))
      .filter((method) => ['get', 'put', 'post', 'delete', 'patch'].includes(method)).length;
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('unauthenticated, on every operation of every service', { timeout: 240_000 }, async (t) => {
    assert.ok(operations >= 70, `the document lists ${operations} operations`);
    const run = await runSchemathesis(server.url, join(dataDir, 'anonymous'), []);
    assertClean(t, run, operations);
    // anonymous indeed: the guarded operations answered nothing but 401
    assert.ok(onlyUnauthorized(run.output).length >= 50, run.output.slice(-6000));
  });

  it('as a customer, on every operation (its session enders last)', { timeout: 300_000 }, async (t) => {
    const email = `customer-${randomBytes(4).toString('hex')}@polyshop.test`;
    const registered = await httpJson(server.url, 'POST', '/users/register', {
      body: { email, password: TEST_PASSWORD, name: 'Schemathesis Customer' },
    });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const token = await login(server.url, email, TEST_PASSWORD);
    const header = ['-H', `Authorization: Bearer ${token}`];

    const main = await runSchemathesis(server.url, join(dataDir, 'customer'), [
      ...header,
      '--exclude-name',
      LOGOUT,
      '--exclude-name',
      ERASE_USER,
    ]);
    assertClean(t, main, operations - 2);
    // The token worked throughout, and the session is still open.
    assertTokenAccepted(main.output);
    const me = await httpJson(server.url, 'GET', '/users/me', { token });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.email, email);

    const last = await runSchemathesis(server.url, join(dataDir, 'customer-last'), [
      ...header,
      '--include-name',
      LOGOUT,
      '--include-name',
      ERASE_USER,
    ]);
    assertClean(t, last, 2);
  });

  it('as an admin, with the lock-out-prone operations (logout last)', { timeout: 300_000 }, async (t) => {
    const token = await login(server.url, TEST_ADMIN.email, TEST_ADMIN.password);
    const header = ['-H', `Authorization: Bearer ${token}`];

    const main = await runSchemathesis(server.url, join(dataDir, 'admin'), [
      ...header,
      '--exclude-name',
      LOGOUT,
    ]);
    assertClean(t, main, operations - 1);
    assertTokenAccepted(main.output);
    // Erasing itself and removing its admin role were refused: the session and the role are intact.
    const me = await httpJson(server.url, 'GET', '/users/me', { token });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.ok(me.body.permissions.includes('*:*'), JSON.stringify(me.body));

    const last = await runSchemathesis(server.url, join(dataDir, 'admin-last'), [
      ...header,
      '--include-name',
      LOGOUT,
    ]);
    assertClean(t, last, 1);
    const again = await login(server.url, TEST_ADMIN.email, TEST_ADMIN.password);
    const afterwards = await httpJson(server.url, 'GET', '/users/me', { token: again });
    assert.ok(afterwards.body.roles.includes('admin'), JSON.stringify(afterwards.body));
  });
});
