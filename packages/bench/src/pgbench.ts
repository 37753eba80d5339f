import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadResult } from './measure.ts';

const run = promisify(execFile);

/** A PostgreSQL program (`pgbench`, `initdb`, `pg_ctl`): on PATH, or in Debian's `/usr/lib/postgresql/<v>/bin`. */
export function findPostgresProgram(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return undefined;
  const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const path = join(debian, version, 'bin', name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** The pgbench binary, for the PostgreSQL anchors. */
export const findPgbench = (): string | undefined => findPostgresProgram('pgbench');

/**
 * Runs `script` (pgbench's custom-script syntax) against `url` at `concurrency` clients for
 * `durationMs`, as pgbench reports it: transactions per second without connection time, and the
 * average latency (pgbench gives no percentiles without per-transaction logs; both fields carry it).
 */
export async function pgbench(options: {
  binary: string;
  url: string;
  script: string;
  concurrency: number;
  durationMs: number;
}): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'polyshop-pgbench-'));
  try {
    const file = join(dir, 'script.sql');
    writeFileSync(file, options.script);
    const seconds = Math.max(1, Math.round(options.durationMs / 1000));
    const { stdout } = await run(options.binary, [
      '-n',
      '-c',
      String(options.concurrency),
      '-j',
      String(Math.min(options.concurrency, 2)),
      '-T',
      String(seconds),
      '-f',
      file,
      options.url,
    ]);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1] ?? 0);
    const latency = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1] ?? 0);
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
    const ok = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? 0);
    return { perSecond: tps, ok, failed, p50Ms: latency, p99Ms: latency };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
