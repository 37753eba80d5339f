import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/polyshop.mjs', import.meta.url));

describe('polyshop bench (process)', () => {
  it('is the benchmark program: its --help lists the scenarios, targets and --unsafe-fast', async () => {
    const { stdout } = await run(process.execPath, [bin, 'bench', '--help']);
    for (const expected of [
      'hot-sku',
      'catalog',
      'search',
      'checkout',
      '--scale',
      '--target',
      '--unsafe-fast',
    ]) {
      assert.ok(stdout.includes(expected), `bench --help mentions ${expected}`);
    }
  });

  it('refuses an unknown scenario with a clear message and exit code 1', async () => {
    const failure = await run(process.execPath, [bin, 'bench', 'no-such-scenario']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal((failure as { code: number }).code, 1);
    assert.match((failure as { stderr: string }).stderr, /unknown scenario no-such-scenario/);
  });
});
