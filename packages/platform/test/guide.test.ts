import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { openDynamo } from '@polyshop/stores';
import { repoRoot, skipReason, testServerUrl } from '@polyshop/testing';
import { freePort, GuideShell } from './support/guide-shell.ts';
import { exportedNames, guideSteps, missingLines, type GuideStep } from './support/guide-steps.ts';

// docs/guide.md run as a reader would: every tagged step, in order, at the repository root, on the
// real servers, each step's output checked against the output the guide shows (conventions in
// support/guide-steps.ts and at the top of the guide). GUIDE_TEST_OUTPUT=<dir> keeps each step's output.

const guideFile = join(repoRoot, 'docs', 'guide.md');
const steps = guideSteps(readFileSync(guideFile, 'utf8'));

/** The variables CI sets to its own values after the `guide-env` block that exports them. */
const OWN_VALUES = ['PORT', 'URL', 'POLYSHOP_DATA_DIR', 'DYNAMODB_ENDPOINT', 'INVENTORY_DYNAMODB_TABLE'];
/** Of those, the ones whose guide value shows in outputs: replaced by this run's before comparing. */
const SHOWN_IN_OUTPUT = ['URL', 'DYNAMODB_ENDPOINT'];

/** What a step may take at most: the moves and benchmarks take tens of seconds, minutes when moto is busy. */
const STEP_TIMEOUT_MS = 480_000;
/** A background command silent this long after its first line will not print what the guide shows. */
const QUIET_MS = 90_000;

function title(step: GuideStep): string {
  const first = step.kind === 'stop' ? 'Ctrl-C' : (step.code.split('\n').find((l) => l.trim()) ?? '');
  return `docs/guide.md:${step.line} (${step.kind}) ${first.trim().slice(0, 80)}`;
}

/** The environment of a reader's terminal: no store of this test run, no test-runner variables. */
function readerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_FORMAT: 'pretty' };
  for (const name of Object.keys(env)) {
    if (
      /^(NODE_ENV|NODE_TEST_CONTEXT|LOG_LEVEL|DATABASE_URL|MONGODB_URL|NATS_URL|OPENSEARCH_URL|POLYSHOP_PROFILE)$/.test(
        name,
      ) ||
      /_STORE$/.test(name) ||
      OWN_VALUES.includes(name)
    )
      delete env[name];
  }
  return env;
}

describe('docs/guide.md: its steps as the test reads them', () => {
  it('has steps, each a command with the output it shows, and exports every variable CI sets', () => {
    assert.ok(steps.length >= 10, `only ${steps.length} steps in docs/guide.md`);
    for (const step of steps.filter((s) => s.kind === 'run' || s.kind === 'background')) {
      assert.ok(step.output?.trim(), `docs/guide.md:${step.line}: a step without its output block`);
    }
    const exported = steps.filter((s) => s.kind === 'env').flatMap((s) => exportedNames(s.code));
    for (const name of OWN_VALUES) assert.ok(exported.includes(name), `no guide-env block exports ${name}`);
    const backgrounds = steps.filter((s) => s.kind === 'background').length;
    assert.equal(
      steps.filter((s) => s.kind === 'stop').length,
      backgrounds,
      'each background command stopped',
    );
  });

  it('finds a changed word or number in an output, and lets ~figures and … vary', () => {
    const shown =
      'inventory: FIRES — on pglite\n  peak: ~78 reservations/s (threshold 50, REACHED) — SKU …\n…\nHTTP 201: 300';
    const actual =
      'x\ninventory: FIRES — on pglite\n  peak: 306 reservations/s (threshold 50, REACHED) — SKU DROP-1 at 07:24\nHTTP 201: 300\n';
    assert.deepEqual(missingLines(shown, actual, new Map()), []);
    assert.deepEqual(missingLines(shown, actual.replace('FIRES', 'QUIET'), new Map()), [
      'inventory: FIRES — on pglite',
    ]);
    assert.deepEqual(missingLines(shown, actual.replace('201: 300', '201: 299'), new Map()), [
      'HTTP 201: 300',
    ]);
    assert.deepEqual(missingLines(shown, actual.replace('threshold 50', 'threshold 60'), new Map()), [
      'peak: ~78 reservations/s (threshold 50, REACHED) — SKU …',
    ]);
    // in order: a line shown after another must come after it
    assert.deepEqual(missingLines('HTTP 201: 300\ninventory: FIRES — on pglite', actual, new Map()), [
      'inventory: FIRES — on pglite',
    ]);
    assert.deepEqual(
      missingLines(
        'ready on http://127.0.0.1:3000',
        'ready on http://127.0.0.1:41234',
        new Map([['http://127.0.0.1:3000', 'http://127.0.0.1:41234']]),
      ),
      [],
    );
  });
});

const dynamoEndpoint = testServerUrl('POLYSHOP_TEST_DYNAMODB_ENDPOINT');
const databaseUrl = testServerUrl('POLYSHOP_TEST_DATABASE_URL');
const skip =
  skipReason('POLYSHOP_TEST_DYNAMODB_ENDPOINT', dynamoEndpoint) ||
  skipReason('POLYSHOP_TEST_DATABASE_URL', databaseUrl);

describe('docs/guide.md, run step by step on the real servers', { skip }, () => {
  let dir: string;
  let shell: GuideShell;
  let ownValues: Record<string, string>;
  const replace = new Map<string, string>();
  let failed: string | undefined;
  const keep = process.env.GUIDE_TEST_OUTPUT;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'polyshop-guide-'));
    const port = await freePort();
    ownValues = {
      PORT: String(port),
      URL: `http://127.0.0.1:${port}`,
      POLYSHOP_DATA_DIR: join(dir, 'data'),
      DYNAMODB_ENDPOINT: dynamoEndpoint!,
      INVENTORY_DYNAMODB_TABLE: `polyshop-guide-${randomBytes(4).toString('hex')}`,
    };
    shell = new GuideShell(repoRoot, join(dir, 'exported.sh'), readerEnv());
    if (keep) mkdirSync(keep, { recursive: true });
  });

  after(async () => {
    await shell?.close();
    if (ownValues) {
      const dynamo = openDynamo({ endpoint: dynamoEndpoint! });
      await dynamo.client
        .send(new DeleteTableCommand({ TableName: ownValues.INVENTORY_DYNAMODB_TABLE }))
        .catch(() => undefined); // gone already: the guide's way back cleans it up
      dynamo.close();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The step's output holds every line its output block shows. */
  function assertShown(step: GuideStep, output: string): void {
    if (keep) writeFileSync(join(keep, `${step.line}.txt`), output);
    if (step.output === undefined) return;
    const missing = missingLines(step.output, output, replace);
    assert.deepEqual(
      missing,
      [],
      `docs/guide.md:${step.line}: lines shown but not printed.\nIt printed:\n${output}`,
    );
  }

  for (const step of steps) {
    it(title(step), { timeout: STEP_TIMEOUT_MS + 60_000 }, async (t) => {
      if (failed) return t.skip(`an earlier step failed: ${failed}`);
      failed = title(step);
      switch (step.kind) {
        case 'env': {
          const names = exportedNames(step.code);
          const print = names.map((n) => `printf '%s=%s\\n' ${n} "$${n}"`).join('\n');
          const result = await shell.run(`${step.code}\n${print}`, STEP_TIMEOUT_MS);
          assert.equal(result.code, 0, result.output);
          const mine: Record<string, string> = {};
          for (const name of names.filter((n) => OWN_VALUES.includes(n))) {
            const guideValue = new RegExp(`^${name}=(.*)$`, 'm').exec(result.output)?.[1];
            assert.ok(guideValue, `${name} not exported by docs/guide.md:${step.line}`);
            if (SHOWN_IN_OUTPUT.includes(name)) replace.set(guideValue, ownValues[name]!);
            mine[name] = ownValues[name]!;
          }
          shell.exportVariables(mine);
          break;
        }
        case 'run': {
          const result = await shell.run(step.code, STEP_TIMEOUT_MS);
          assert.equal(result.code, 0, `docs/guide.md:${step.line} exited ${result.code}:\n${result.output}`);
          assertShown(step, result.output);
          break;
        }
        case 'background': {
          const shown = step.output ?? '';
          const result = await shell.start(
            step.code,
            (output) => missingLines(shown, output, replace).length === 0,
            { quietMs: QUIET_MS, timeoutMs: STEP_TIMEOUT_MS },
          );
          assert.equal(
            result.code,
            null,
            `docs/guide.md:${step.line} ended (${result.code}):\n${result.output}`,
          );
          assertShown(step, result.output);
          break;
        }
        case 'stop': {
          // npx passes the Ctrl-C on and ends by it, as in a terminal: what tells a clean stop is the output
          const result = await shell.interrupt(60_000);
          assert.ok(
            result.code === 0 || result.signal === 'SIGINT',
            `ended with ${result.code ?? result.signal} after Ctrl-C:\n${result.output}`,
          );
          assertShown(step, result.output);
          break;
        }
      }
      failed = undefined;
    });
  }
});
