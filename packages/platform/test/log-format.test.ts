import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@polyshop/kernel';
import { loadPlatformConfig } from '../src/platform-config.ts';
import { startPolyshop } from '../testing/polyshop-process.ts';

describe('LOG_FORMAT', () => {
  it('defaults to auto, takes pretty or json, and refuses anything else naming the variable', () => {
    assert.equal(loadPlatformConfig({}).LOG_FORMAT, 'auto');
    assert.equal(loadPlatformConfig({ LOG_FORMAT: 'pretty' }).LOG_FORMAT, 'pretty');
    assert.equal(loadPlatformConfig({ LOG_FORMAT: 'json' }).LOG_FORMAT, 'json');
    assert.throws(
      () => loadPlatformConfig({ LOG_FORMAT: 'xml' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.variables.join() === 'LOG_FORMAT' &&
        /LOG_FORMAT: .*"xml"/.test(error.message),
    );
  });

  it('polyshop start with LOG_FORMAT=pretty writes human lines (the ready line too), not JSON', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'polyshop-log-format-'));
    const polyshop = await startPolyshop({
      dataDir,
      command: ['start', '--in-memory'],
      env: { LOG_FORMAT: 'pretty', NO_COLOR: '1', CI: '' },
    });
    try {
      assert.equal((await fetch(`${polyshop.url}/healthz`)).status, 200);
      assert.equal(await polyshop.stop(), 0);
      const output = polyshop.output();
      assert.match(
        output,
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(polyshop\): polyshop ready on http:\/\/127\.0\.0\.1:\d+ \(docs at .*\/docs\)$/m,
      );
      assert.match(output, /INFO \(polyshop\): \[[\w-]+\] request completed 200 in [\d.]+ ms$/m);
      assert.match(output, /INFO \(polyshop\): stopped$/m);
      for (const line of output.split('\n')) assert.doesNotMatch(line, /^\{/, `a JSON line: ${line}`);
    } finally {
      await polyshop.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
