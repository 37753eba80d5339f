import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** An OTLP/HTTP receiver that takes every export and counts its bytes (nothing is decoded). */
async function startOtlpSink(): Promise<{ url: string; bytes: () => number; close: () => Promise<void> }> {
  let bytes = 0;
  const server: Server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
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
async function runObservability(target: BenchTarget, scale: Scale): Promise<ScenarioResult> {
  const settings = SETTINGS[scale];
  const sink = await startOtlpSink();
  const on = { metricsAnswered: 0 };
  const off = { metricsAnswered: 0 };
  try {
    const comparison = await compareInterleaved({
      scenario: 'observability',
      label: `${target.name} c=${settings.concurrency}`,
      anchorName: 'the same checkouts with METRICS=off and no OTLP endpoint',
      rounds: settings.rounds,
      goal: GOAL,
      polyshop: () =>
        checkoutRound(
          target,
          { METRICS: 'on', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_BSP_SCHEDULE_DELAY: '500' },
          settings,
          on,
        ),
      anchor: () => checkoutRound(target, { METRICS: 'off' }, settings, off),
    });
    const exported = sink.bytes();
    if (exported === 0)
      throw new Error('observability: tracing was on but no span reached the OTLP receiver');
    if (on.metricsAnswered !== settings.rounds || off.metricsAnswered !== 0)
      throw new Error(
        'observability: /metrics did not follow METRICS (on rounds must answer it, off rounds not)',
      );
    return {
      scenario: 'observability',
      target: target.name,
      comparisons: [comparison],
      checks: { oversold: 0, otlpBytesExported: exported, metricsRoundsOn: on.metricsAnswered },
    };
  } finally {
    await sink.close();
  }
}

export const observability: Scenario = {
  name: 'observability',
  summary:
    'checkouts over HTTP with metrics and OTLP tracing on vs both off, a fresh platform each round (goal ≥ 0.9)',
  targets: ['pglite', 'postgres'],
  run: runObservability,
};
