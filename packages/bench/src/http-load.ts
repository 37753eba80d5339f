import { Worker } from 'node:worker_threads';
import { quantile, type LoadResult } from './measure.ts';

/**
 * The load loop of `runHttpLoad`, run in a worker thread: `concurrency` loops of GET requests until the
 * deadline, each reading the whole body; posts back the latencies and the successes (2xx answers).
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, headers, concurrency, durationMs } = workerData;
const latencies = [];
let ok = 0;
let failed = 0;
const started = performance.now();
const deadline = started + durationMs;
async function loop() {
  while (performance.now() < deadline) {
    const at = performance.now();
    try {
      const response = await fetch(url, { headers });
      await response.arrayBuffer();
      if (response.status >= 200 && response.status < 300) ok++;
      else failed++;
    } catch {
      failed++;
    }
    latencies.push(performance.now() - at);
  }
}
Promise.all(Array.from({ length: concurrency }, loop)).then(() =>
  parentPort.postMessage({ latencies, ok, failed, seconds: (performance.now() - started) / 1000 }),
);
`;

/**
 * `runLoad` for a plain HTTP GET, with the clients in a worker thread: the loop that makes the requests
 * does not share the event loop of the server it measures (as pgbench is a process of its own beside
 * PostgreSQL). Same figures as `runLoad`: successes per second of wall time, p50 and p99 latency.
 */
export async function runHttpLoad(options: {
  url: string;
  headers?: Record<string, string>;
  concurrency: number;
  durationMs: number;
}): Promise<LoadResult> {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { ...options, headers: options.headers ?? {} },
  });
  const result = await new Promise<{ latencies: number[]; ok: number; failed: number; seconds: number }>(
    (resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    },
  );
  await worker.terminate();
  return {
    perSecond: result.ok / result.seconds,
    ok: result.ok,
    failed: result.failed,
    p50Ms: quantile(result.latencies, 0.5),
    p99Ms: quantile(result.latencies, 0.99),
  };
}
