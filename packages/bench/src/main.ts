import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, Option } from 'commander';
import { openPostgres } from '@polyshop/stores';
import { createTestDatabase, dropTestDatabase, testDatabaseUrl } from '@polyshop/testing';
import { findPgbench } from './pgbench.ts';
import { formatResult } from './report.ts';
import type { BenchTarget, Scale, ScenarioResult } from './scenario.ts';
import { hotSku } from './scenarios/hot-sku.ts';

/** Every scenario, by name. */
const SCENARIOS: Record<string, (target: BenchTarget, scale: Scale) => Promise<ScenarioResult>> = {
  'hot-sku': hotSku,
};

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

async function main(argv: string[]): Promise<number> {
  const program = new Command('bench')
    .description(
      "polyshop's benchmarks: each figure beside an anchor measured in the same run (interleaved rounds, " +
        'medians), and the ratio. PostgreSQL figures run on a fresh database of POLYSHOP_TEST_DATABASE_URL ' +
        '(scripts/servers up postgres); PGlite always runs.',
    )
    .argument('[scenarios...]', `which scenarios (default: all): ${Object.keys(SCENARIOS).join(', ')}`)
    .addOption(
      new Option('--scale <scale>', 'small: seconds (CI); full: the figures to quote')
        .choices(['small', 'full'])
        .default('full'),
    )
    .addOption(new Option('--target <target...>', 'where to run').choices(['pglite', 'postgres']))
    .option('--json <file>', 'also write the raw results as JSON to this file')
    .showHelpAfterError();
  program.parse(argv, { from: 'user' });
  const unknown = program.args.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0) {
    program.error(`unknown scenario ${unknown.join(', ')}: expected ${Object.keys(SCENARIOS).join(', ')}`);
  }
  const names = program.args.length ? program.args : Object.keys(SCENARIOS);
  const options = program.opts<{ scale: Scale; target?: string[]; json?: string }>();
  const wanted = new Set(options.target ?? ['pglite', 'postgres']);
  const server = wanted.has('postgres') ? testDatabaseUrl() : undefined;
  const results: ScenarioResult[] = [];
  let failed = false;
  for (const name of names) {
    const targets: BenchTarget['name'][] = ['pglite', 'postgres'].filter(
      (t): t is BenchTarget['name'] => wanted.has(t) && (t === 'pglite' || server !== undefined),
    );
    for (const targetName of targets) {
      let database: { url: string; name: string } | undefined;
      try {
        const target: BenchTarget = { name: targetName };
        if (targetName === 'postgres' && server) {
          database = await createTestDatabase(server);
          target.databaseUrl = database.url;
          target.durability = await durabilityOf(database.url);
          const binary = findPgbench();
          if (binary) target.pgbench = binary;
        }
        const result = await SCENARIOS[name]!(target, options.scale);
        results.push(result);
        process.stdout.write(formatResult(result, target));
        if ((result.checks.oversold ?? 0) > 0) failed = true;
      } catch (error) {
        failed = true;
        process.stderr.write(
          `bench ${name} on ${targetName} failed: ${(error as Error).stack ?? String(error)}\n`,
        );
      } finally {
        if (database && server) await dropTestDatabase(server, database.name);
      }
    }
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
