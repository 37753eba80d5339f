import { Worker } from 'node:worker_threads';
import { quantile, type LoadResult } from './measure.ts';

/**
 * The load loop of `runHttpLoad`, run in a worker thread: `concurrency` loops of requests until the
 * deadline, each reading the whole body; posts back the latencies and the successes (2xx answers).
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, method, headers, body, concurrency, durationMs } = workerData;
const latencies = [];
let ok = 0;
let failed = 0;
const started = performance.now();
let deadline = started + durationMs;
// 'stop' from the parent ends the run early: each loop finishes its request in hand, then stops
parentPort.on('message', (message) => {
  if (message === 'stop') deadline = 0;
});
async function loop(_, worker) {
  for (let sequence = 0; performance.now() < deadline; sequence++) {
    const at = performance.now();
    try {
      const init = { method, headers };
      if (body !== undefined) init.body = body.replaceAll('{{request}}', worker + '-' + sequence);
      const response = await fetch(url, init);
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
 * `runLoad` for one HTTP request (a GET, or a POST whose body varies per request), with the clients in a worker thread: the loop that makes the requests
 * does not share the event loop of the server it measures (as pgbench is a process of its own beside
 * PostgreSQL). Same figures as `runLoad`: successes per second of wall time, p50 and p99 latency.
 * With `until`, the run ends when that settles or after `durationMs`, whichever comes first.
 */
export async function runHttpLoad(options: {
  url: string;
  /** GET unless told. */
  method?: string;
  headers?: Record<string, string>;
  /** A request body; every `{{request}}` in it becomes `<loop>-<sequence>`, unique within the run. */
  body?: string;
  concurrency: number;
  durationMs: number;
  /** Ends the run early once it settles (e.g. the migration step the load runs beside is over). */
  until?: Promise<unknown>;
}): Promise<LoadResult> {
  const { until, ...load } = options;
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      ...load,
      method: load.method ?? 'GET',
      headers: {
        ...(load.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...load.headers,
      },
    },
  });
  void until?.finally(() => worker.postMessage('stop')).catch(() => undefined);
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
