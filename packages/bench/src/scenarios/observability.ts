import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { serviceNames } from '@polyshop/platform';
import { startBenchPlatform } from '../http-session.ts';
import { compareInterleaved, runLoad, type LoadResult } from '../measure.ts';
import type { BenchTarget, Scale, Scenario, ScenarioResult } from '../scenario.ts';
import { seedProducts, Storefront } from '../storefront.ts';

const SETTINGS = {
  small: { concurrency: 8, durationMs: 2000, rounds: 1 },
  full: { concurrency: 16, durationMs: 10_000, rounds: 5 },
} as const;

/** Issue 16: checkout throughput with metrics and tracing on must stay ≥ 0.9× of it with both off. */
const GOAL = { ratio: 0.9, is: 'at least' } as const;
const STOCK = 100_000_000;
const CUSTOMERS = 8;

/**
 * The OTLP/HTTP receiver's code: it takes every export and counts its bytes (nothing is decoded). It
 * runs in a worker thread, as a collector runs in a process of its own: the platform's event loop
 * pays for making and sending spans, not for receiving them.
 */
const SINK = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
let bytes = 0;
const server = createServer((request, response) => {
  request.on('data', (chunk) => (bytes += chunk.length));
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'bytes') parentPort.postMessage({ bytes });
  else server.close(() => parentPort.close());
});
`;

/** Starts the OTLP receiver in a worker thread (`SINK`). */
async function startOtlpSink(): Promise<{
  url: string;
  bytes: () => Promise<number>;
  close: () => Promise<void>;
}> {
  const worker = new Worker(SINK, { eval: true });
  const next = () =>
    new Promise<{ port?: number; bytes?: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const { port } = await next();
  return {
    url: `http://127.0.0.1:${port}`,
    bytes: async () => {
      const answer = next();
      worker.postMessage('bytes');
      return (await answer).bytes ?? 0;
    },
    close: async () => {
      worker.postMessage('close');
      await once(worker, 'exit');
    },
  };
}

/**
 * One round: a platform of its own (metrics and tracing on, or both off), two-line checkouts from
 * `concurrency` customers for `durationMs`, then the platform closed — so that the tracing of an
 * "on" round (a process-wide OpenTelemetry provider) is gone before an "off" round starts.
 */
async function checkoutRound(
  target: BenchTarget,
  env: Record<string, string>,
  settings: (typeof SETTINGS)[Scale],
  seen: { metricsAnswered: number },
): Promise<LoadResult> {
  const bench = await startBenchPlatform({
    services: [...serviceNames],
    databaseUrl: target.databaseUrl,
    env: { ORDERS_RECOVERY_INTERVAL_MS: '60000', ...env },
  });
  const shop = new Storefront(bench);
  try {
    const tag = randomBytes(3).toString('hex').toUpperCase();
    const skus = [1, 2, 3, 4].map((n) => `BENCH-OBS-${tag}-${n}`);
    await seedProducts(bench, skus, STOCK);
    const customers = await shop.signUp(CUSTOMERS);
    const cart = (n: number) => [skus[n % skus.length]!, skus[(n + 1) % skus.length]!];
    for (let i = 0; i < 3; i++) await shop.checkout(customers[0]!, cart(i)); // warm-up
    const result = await runLoad({
      concurrency: settings.concurrency,
      durationMs: settings.durationMs,
      operation: async (worker, sequence) =>
        (await shop.checkout(customers[worker % CUSTOMERS]!, cart(worker + sequence)))?.status ===
        'confirmed',
    });
    const metrics = await fetch(`${bench.base}/metrics`);
    await metrics.arrayBuffer();
    if (metrics.status === 200) seen.metricsAnswered += 1;
    return result;
  } finally {
    await bench.close();
  }
}

/**
 * `observability`: the cost of issue 16's metrics and tracing on the checkout — the same load on a
 * platform with `/metrics` and its timings on and every span exported over OTLP (to a receiver in
 * this process), against one with `METRICS=off` and no OTLP endpoint; each round a fresh platform.
 */
/** The tracing configurations compared with both off: every trace kept, and one in ten (OpenTelemetry's standard sampler). */
const SAMPLINGS = [
  { label: 'every trace', env: {} },
  {
    label: '1 trace in 10',
    env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  },
] as const;

async function runObservability(target: BenchTarget, scale: Scale): Promise<ScenarioResult> {
  const settings = SETTINGS[scale];
  const sink = await startOtlpSink();
  const on = { metricsAnswered: 0 };
  const off = { metricsAnswered: 0 };
  try {
    const comparisons = [];
    const exported: number[] = []; // OTLP bytes per sampling, in SAMPLINGS order
    for (const sampling of SAMPLINGS) {
      const before = await sink.bytes();
      comparisons.push(
        await compareInterleaved({
          scenario: 'observability',
          label: `${target.name} c=${settings.concurrency}, ${sampling.label}`,
          anchorName: 'the same checkouts with METRICS=off and no OTLP endpoint',
          rounds: settings.rounds,
          goal: GOAL,
          polyshop: () =>
            checkoutRound(
              target,
              {
                METRICS: 'on',
                OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
                OTEL_BSP_SCHEDULE_DELAY: '500',
                ...sampling.env,
              },
              settings,
              on,
            ),
          anchor: () => checkoutRound(target, { METRICS: 'off' }, settings, off),
        }),
      );
      const bytes = (await sink.bytes()) - before;
      exported.push(bytes);
      if (bytes === 0)
        throw new Error(
          `observability (${sampling.label}): tracing was on but no span reached the OTLP receiver`,
        );
    }
    if (on.metricsAnswered !== settings.rounds * SAMPLINGS.length || off.metricsAnswered !== 0)
      throw new Error(
        'observability: /metrics did not follow METRICS (on rounds must answer it, off rounds not)',
      );
    return {
      scenario: 'observability',
      target: target.name,
      comparisons,
      checks: {
        oversold: 0,
        otlpBytesEveryTrace: exported[0]!,
        otlpBytesOneInTen: exported[1]!,
        metricsRoundsOn: on.metricsAnswered,
      },
    };
  } finally {
    await sink.close();
  }
}

export const observability: Scenario = {
  name: 'observability',
  summary:
    'checkouts over HTTP with metrics and OTLP tracing on (every trace; 1 in 10 sampled) vs both off, a fresh platform each round (goal ≥ 0.9)',
  targets: ['pglite', 'postgres'],
  run: runObservability,
};
