import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, silentLogger } from '@polyshop/kernel';
import { buildPlatform } from '../src/index.ts';
import { loadPlatformConfig } from '../src/platform-config.ts';

describe('PGLITE_SHARED_BUFFERS', () => {
  it('defaults to 16MB, takes a size in kB, MB or GB, and refuses anything else naming the variable', () => {
    assert.equal(loadPlatformConfig({}).PGLITE_SHARED_BUFFERS, '16MB');
    assert.equal(loadPlatformConfig({ PGLITE_SHARED_BUFFERS: '64MB' }).PGLITE_SHARED_BUFFERS, '64MB');
    for (const wrong of ['64', '64mb', '0MB', 'lots', '64 MB']) {
      assert.throws(
        () => loadPlatformConfig({ PGLITE_SHARED_BUFFERS: wrong }),
        (error: unknown) =>
          error instanceof ConfigError && error.variables.join() === 'PGLITE_SHARED_BUFFERS',
        wrong,
      );
    }
  });

  it('is the buffer pool of the platform’s PGlite', async () => {
    const platform = await buildPlatform({
      env: { PGLITE_SHARED_BUFFERS: '24MB', LOG_LEVEL: 'silent' },
      inMemory: true,
      logger: silentLogger(),
      services: ['users'],
    });
    try {
      const db = await platform.postgres();
      const [row] = await db.query<{ shared_buffers: string }>('SHOW shared_buffers');
      assert.equal(row?.shared_buffers, '24MB');
    } finally {
      await platform.close();
    }
  });
});
