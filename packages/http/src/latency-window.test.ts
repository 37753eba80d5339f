import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@polyshop/kernel';
import { createHttpApp } from './create-http-app.ts';
import { LatencyWindow } from './latency-window.ts';

describe('LatencyWindow', () => {
  it('gives the latencies of the requests that ended within the window, and keeps only the last `capacity`', () => {
    const window = new LatencyWindow(3);
    window.record(5, 1_000);
    window.record(7, 9_000);
    window.record(9, 10_000);
    assert.deepEqual(window.samples(2_000, 10_500), [7, 9]);
    window.record(11, 10_400); // replaces the oldest
    assert.deepEqual(window.samples(60_000, 10_500).sort(), [11, 7, 9].sort());
  });
});

describe('createHttpApp: app.latencies', () => {
  it('records live requests, not admin, docs or health checks', async () => {
    const app = await createHttpApp({ logger: silentLogger() });
    app.get('/products/x', async () => ({ ok: true }));
    app.get('/admin/migrations', async () => ({ items: [] }));
    app.get('/healthz', async () => ({ status: 'ok' }));
    for (const url of ['/products/x', '/products/x', '/admin/migrations', '/healthz', '/docs/json']) {
      await app.inject({ method: 'GET', url });
    }
    assert.equal(app.latencies.samples().length, 2);
    await app.close();
  });
});
