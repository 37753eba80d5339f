import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { quantile, type LoadResult } from './measure.ts';

const require = createRequire(import.meta.url);

/**
 * The load loop of `runHttpLoad`, run in a worker thread: `concurrency` loops of requests until the
 * deadline, each on its own kept-alive connection of an undici `Pool` and each reading the whole body;
 * posts back the latencies and the successes (2xx answers). Not `fetch`: on this machine its streams
 * cost ~0.7 ms of CPU per request against ~0.1 ms for `Pool.request`, and the client shares the two
 * cores with what it measures (pgbench, the anchor, is C) — with `fetch` a trivial Fastify route
 * topped out near 2,000 requests/s at c=16, which is what the hot SKU measured at c=64.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Pool } = require(workerData.undici);
const { url, method, headers, body, concurrency, durationMs } = workerData;
const target = new URL(url);
const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1 });
const path = target.pathname + target.search;
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
      const request = { path, method, headers };
      if (body !== undefined) request.body = body.replaceAll('{{request}}', worker + '-' + sequence);
      const response = await pool.request(request);
      await response.body.arrayBuffer();
      if (response.statusCode >= 200 && response.statusCode < 300) ok++;
      else failed++;
    } catch {
      failed++;
    }
    latencies.push(performance.now() - at);
  }
}
Promise.all(Array.from({ length: concurrency }, loop)).then(async () => {
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  parentPort.postMessage({ latencies, ok, failed, seconds });
});
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
  const { result } = await runLoadWorker<Record<string, never>>(
    WORKER,
    {
      ...load,
      method: load.method ?? 'GET',
      headers: {
        ...(load.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...load.headers,
      },
    },
    (worker) => void until?.finally(() => worker.postMessage('stop')).catch(() => undefined),
  );
  return result;
}

/** What a load worker posts back: every latency, the successes, the failures, the wall time, and more. */
type WorkerAnswer<Extra> = Extra & {
  latencies: number[];
  ok: number;
  failed: number;
  firstError?: string;
  seconds: number;
};

/**
 * Runs a load loop's `code` in a worker thread (its `workerData` gets `undici`, the path to require
 * for `Pool`), waits for its one message and turns it into `runLoad`'s figures: successes per second
 * of wall time, p50 and p99 latency; `answer` is the whole message, for figures of the caller's own.
 */
export async function runLoadWorker<Extra>(
  code: string,
  workerData: Record<string, unknown>,
  started?: (worker: Worker) => void,
): Promise<{ result: LoadResult; answer: WorkerAnswer<Extra> }> {
  const worker = new Worker(code, {
    eval: true,
    workerData: { ...workerData, undici: require.resolve('undici') },
  });
  try {
    started?.(worker);
    const answer = await new Promise<WorkerAnswer<Extra>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    return {
      result: {
        perSecond: answer.ok / answer.seconds,
        ok: answer.ok,
        failed: answer.failed,
        ...(answer.firstError ? { firstError: answer.firstError } : {}),
        p50Ms: quantile(answer.latencies, 0.5),
        p99Ms: quantile(answer.latencies, 0.99),
      },
      answer,
    };
  } finally {
    await worker.terminate();
  }
}
