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
      '--report',
      '--from',
      '--merge',
    ]) {
      assert.ok(stdout.includes(expected), `bench --help mentions ${expected}`);
    }
  });

  it('refuses --from without --report, and a --from file that is not there', async () => {
    const alone = await run(process.execPath, [bin, 'bench', '--from', 'x.json']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal((alone as { code: number }).code, 1);
    assert.match((alone as { stderr: string }).stderr, /--from needs --report/);
    const missing = await run(process.execPath, [
      bin,
      'bench',
      '--report',
      '/tmp/polyshop-never-written.md',
      '--from',
      '/nonexistent/results.json',
    ]).catch((error: { code: number; stderr: string }) => error);
    assert.equal((missing as { code: number }).code, 1);
    assert.match(
      (missing as { stderr: string }).stderr,
      /--from \/nonexistent\/results.json: cannot read a saved run/,
    );
  });

  it('refuses --merge without --report, with --from, and a --merge file that is not a saved run, before running', async () => {
    const failure = (args: string[]) =>
      run(process.execPath, [bin, 'bench', ...args]).then(
        () => assert.fail(`bench ${args.join(' ')} should fail`),
        (error: { code: number; stderr: string }) => error,
      );
    const alone = await failure(['hot-sku', '--merge', 'x.json']);
    assert.equal(alone.code, 1);
    assert.match(alone.stderr, /--merge needs --report/);
    const both = await failure([
      '--report',
      '/tmp/polyshop-never.md',
      '--from',
      'a.json',
      '--merge',
      'b.json',
    ]);
    assert.match(both.stderr, /--from and --merge: choose one/);
    const notRun = await failure(['hot-sku', '--report', '/tmp/polyshop-never.md', '--merge', bin]);
    assert.match(notRun.stderr, /--merge .*polyshop\.mjs: cannot read a saved run/);
  });

  it('refuses an unknown scenario with a clear message and exit code 1', async () => {
    const failure = await run(process.execPath, [bin, 'bench', 'no-such-scenario']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal((failure as { code: number }).code, 1);
    assert.match((failure as { stderr: string }).stderr, /unknown scenario no-such-scenario/);
  });
});
