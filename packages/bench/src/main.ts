import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { Command, Option } from 'commander';
import { openPostgres } from '@polyshop/stores';
import { createTestDatabase, dropTestDatabase, testDatabaseUrl, testServerUrl } from '@polyshop/testing';
import { startDurablePostgres, type BenchPostgres } from './durable-postgres.ts';
import { findPgbench } from './pgbench.ts';
import { formatResult } from './print-result.ts';
import {
  TARGET_NAMES,
  type BenchTarget,
  type Scale,
  type ScenarioResult,
  type TargetName,
} from './scenario.ts';
import { SCENARIOS } from './scenarios/index.ts';
import { collectEnvironment } from './report/environment.ts';
import { mergeRuns, readSavedRun } from './report/merge-runs.ts';
import { writeReport, type RunRecord } from './report/write-report.ts';

/** Where `--report` writes when given no file. */
const DEFAULT_REPORT = 'docs/benchmarks.md';

/** Correctness checks a scenario may report: any of them above 0 fails the run (and CI). */
const MUST_BE_ZERO = ['oversold', 'deadlocks', 'acceptedNotConfirmed', 'staleAfterOwnWrite', 'moneyWrong'];

/** How durable a server's commits are, as it says itself. */
async function durabilityOf(url: string): Promise<string> {
  const db = await openPostgres({ url, poolSize: 1 });
  try {
    const [fsync] = await db.query<{ fsync: string }>('SHOW fsync');
    const [commit] = await db.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    return `fsync=${fsync?.fsync}, synchronous_commit=${commit?.synchronous_commit}`;
  } finally {
    await db.close();
  }
}

/** The test servers' variables for the non-PostgreSQL targets (`scripts/servers up`). */
const SERVER_VARIABLES: Partial<Record<TargetName, string>> = {
  mongodb: 'POLYSHOP_TEST_MONGODB_URL',
  opensearch: 'POLYSHOP_TEST_OPENSEARCH_URL',
  dynamodb: 'POLYSHOP_TEST_DYNAMODB_ENDPOINT',
};

interface Options {
  scale: Scale;
  target?: TargetName[];
  json?: string;
  unsafeFast?: boolean;
  report?: string | true;
  from?: string;
  merge?: string;
}

/**
 * The PostgreSQL server the benchmark runs on: `POLYSHOP_BENCH_DATABASE_URL` when set; else a private
 * cluster with durable commits started for this run; with `--unsafe-fast`, the test server (fsync off).
 */
async function benchPostgres(
  options: Options,
): Promise<{ url: string; stop?: () => Promise<void> } | undefined> {
  const given = process.env.POLYSHOP_BENCH_DATABASE_URL;
  if (given) return { url: given };
  if (options.unsafeFast) {
    const url = testDatabaseUrl();
    return url ? { url } : undefined;
  }
  const cluster: BenchPostgres | undefined = await startDurablePostgres();
  return cluster;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('bench')
    .description(
      "polyshop's benchmarks: each figure beside an anchor measured in the same run (interleaved rounds, " +
        'medians), and the ratio. PostgreSQL figures run on a private cluster with durable commits that the ' +
        'benchmark starts from the installed binaries (or POLYSHOP_BENCH_DATABASE_URL); PGlite always runs; ' +
        'mongodb, opensearch and dynamodb use the test servers (scripts/servers up).',
    )
    .argument(
      '[scenarios...]',
      `which scenarios (default: all): ${SCENARIOS.map((s) => `${s.name} (${s.summary})`).join('; ')}`,
    )
    .addOption(
      new Option('--scale <scale>', 'small: seconds (CI); full: the figures to quote')
        .choices(['small', 'full'])
        .default('full'),
    )
    .addOption(
      new Option('--target <target...>', 'where to run (default: every target a scenario supports)').choices(
        TARGET_NAMES,
      ),
    )
    .option(
      '--unsafe-fast',
      'run the PostgreSQL figures on the test server (POLYSHOP_TEST_DATABASE_URL, fsync off) instead of a durable one',
    )
    .option('--json <file>', 'also write the raw results as JSON to this file')
    .option(
      '--report [file]',
      `write the study of the seed's claims (Markdown, Vega-Lite charts as SVG and the raw results in a folder beside it) to this file (default ${DEFAULT_REPORT})`,
    )
    .option(
      '--from <results.json>',
      'with --report: write the report from a saved run (its results.json) instead of running',
    )
    .option(
      '--merge <results.json>',
      'with --report: run the given scenarios and keep every other result of this saved run (the report names the figures carried over and when they were measured)',
    )
    .showHelpAfterError();
  program.parse(argv, { from: 'user' });
  const known = new Map(SCENARIOS.map((s) => [s.name, s]));
  const unknown = program.args.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    program.error(`unknown scenario ${unknown.join(', ')}: expected ${[...known.keys()].join(', ')}`);
  }
  const scenarios = program.args.length ? program.args.map((name) => known.get(name)!) : SCENARIOS;
  const options = program.opts<Options>();
  const reportFile = options.report === true ? DEFAULT_REPORT : options.report;
  if ((options.from || options.merge) && !reportFile) {
    program.error(`${options.from ? '--from' : '--merge'} needs --report`);
    return 2;
  }
  if (options.from && options.merge) {
    program.error('--from and --merge: choose one (--from runs nothing, --merge runs the given scenarios)');
    return 2;
  }
  const savedRun = (flag: string, file: string): RunRecord | undefined => {
    try {
      return readSavedRun(file);
    } catch (error) {
      program.error(`${flag} ${file}: ${(error as Error).message}`);
      return undefined;
    }
  };
  if (options.from && reportFile) {
    const saved = savedRun('--from', options.from);
    if (!saved) return 2;
    await writeReport(saved, reportFile);
    process.stdout.write(`report: ${reportFile} (from ${options.from})\n`);
    return 0;
  }
  // Read before running, so a wrong file fails at once rather than after the run.
  const earlier = options.merge ? savedRun('--merge', options.merge) : undefined;
  if (options.merge && !earlier) return 2;
  const startedAt = new Date().toISOString();
  const wanted = new Set<TargetName>(options.target ?? TARGET_NAMES);
  const needsPostgres = scenarios.some((s) => s.targets.includes('postgres')) && wanted.has('postgres');
  const server = needsPostgres ? await benchPostgres(options) : undefined;
  const pgbenchBinary = findPgbench();
  const environment = reportFile
    ? await collectEnvironment({
        postgresUrl: server?.url,
        mongodbUrl: wanted.has('mongodb') ? testServerUrl(SERVER_VARIABLES.mongodb!) : undefined,
        opensearchUrl: wanted.has('opensearch') ? testServerUrl(SERVER_VARIABLES.opensearch!) : undefined,
        dynamodbEndpoint: wanted.has('dynamodb') ? testServerUrl(SERVER_VARIABLES.dynamodb!) : undefined,
      })
    : undefined;
  const results: ScenarioResult[] = [];
  const failedRuns: NonNullable<RunRecord['failed']> = [];
  let failed = false;
  try {
    for (const scenario of scenarios) {
      for (const targetName of scenario.targets.filter((t) => wanted.has(t))) {
        let database: { url: string; name: string } | undefined;
        try {
          const target: BenchTarget = { name: targetName };
          if (targetName === 'postgres') {
            if (!server) {
              process.stderr.write(`bench ${scenario.name} on postgres: no PostgreSQL installed, skipped\n`);
              continue;
            }
            database = await createTestDatabase(server.url);
            target.databaseUrl = database.url;
            target.durability = await durabilityOf(database.url);
            if (pgbenchBinary) target.pgbench = pgbenchBinary;
          }
          const variable = SERVER_VARIABLES[targetName];
          if (variable) {
            const url = testServerUrl(variable);
            if (!url) continue;
            target.serverUrl = url;
          }
          const result = {
            ...(await scenario.run(target, options.scale)),
            loadAverage: loadavg()[0]!,
            finishedAt: new Date().toISOString(),
          };
          results.push(result);
          process.stdout.write(formatResult(result, target));
          if (MUST_BE_ZERO.some((check) => (result.checks[check] ?? 0) > 0)) failed = true;
        } catch (error) {
          failed = true;
          failedRuns.push({
            scenario: scenario.name,
            target: targetName,
            error: String((error as Error).message ?? error).split('\n')[0]!,
          });
          process.stderr.write(
            `bench ${scenario.name} on ${targetName} failed: ${(error as Error).stack ?? String(error)}\n`,
          );
        } finally {
          if (database && server) await dropTestDatabase(server.url, database.name);
        }
      }
    }
  } finally {
    await server?.stop?.();
  }
  if (reportFile && environment) {
    environment.machine.loadAtEnd = loadavg()[0]!;
    const run: RunRecord = {
      scale: options.scale,
      command: `polyshop bench ${argv.join(' ')}`,
      startedAt,
      finishedAt: new Date().toISOString(),
      environment,
      results,
      ...(failedRuns.length ? { failed: failedRuns } : {}),
    };
    await writeReport(earlier ? mergeRuns(earlier, run) : run, reportFile);
    process.stdout.write(`report: ${reportFile}${earlier ? ` (merged with ${options.merge})` : ''}\n`);
  }
  if (options.json) {
    mkdirSync(dirname(options.json), { recursive: true });
    writeFileSync(
      options.json,
      `${JSON.stringify({ scale: options.scale, at: new Date().toISOString(), results }, null, 2)}\n`,
    );
    process.stdout.write(`raw results: ${options.json}\n`);
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
