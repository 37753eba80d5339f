import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  compareCodePoints,
  type BackfillCheckpoint,
  type MigrationSide,
  type MigrationState,
} from '@polyshop/migration';
import { scanAll } from '@polyshop/migration/testing';
import { envWithoutPlatformStores } from './catalogue-migration.ts';

/** What the kill drills (`migrate-store-kill*.test.ts`) share: the CLI in a process, and the counts from the stores. */

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const platformDir = fileURLToPath(new URL('../..', import.meta.url));
const baseEnv = envWithoutPlatformStores();

/** Records per backfill batch in the drills. */
export const BATCH = 20;
/**
 * Records per second of the first run: each batch waits a fifth of a second for its tokens (between
 * its scan and its write); a few hundred records take seconds.
 */
export const RATE = 100;
/** The dead process's lease outlives the kill and the checks after it on a loaded machine (a restart is refused), then expires (taken over). */
export const LEASE_MS = 15_000;

export interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** The CLI processes still running (killed by `killRunning` when a drill ends early). */
const running = new Set<ChildProcess>();

/** The real CLI in a process of its own (no wrapper process: the kill reaches the backfill itself). */
export function polyshopProcess(args: string[], env: Record<string, string>): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: platformDir,
    env: { ...baseEnv, LOG_LEVEL: 'silent', CI: '', ...env },
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return {
    child,
    done: new Promise((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
    ),
  };
}

/** Kills every CLI process a drill left running. */
export function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Records of `side` past `checkpoint`: after its key in each kind not done (every record of a kind not begun). */
export async function pastCheckpoint(side: MigrationSide, checkpoint: BackfillCheckpoint): Promise<number> {
  let past = 0;
  for (const kind of side.kinds) {
    if (checkpoint.done.includes(kind)) continue;
    const after = checkpoint.after[kind];
    const records = await scanAll(side, kind, 500);
    past += records.filter(
      (record) => after === undefined || compareCodePoints(record.key, after) > 0,
    ).length;
  }
  return past;
}

/** Every record of every kind `side` holds. */
export async function countAll(side: MigrationSide): Promise<number> {
  const counts = await Promise.all(side.kinds.map((kind) => side.count(kind)));
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * What the target holds past the dead process's checkpoint (`left`): the batch it was writing. Every
 * record below the checkpoint is there, and the checkpoint's count says so. At most one batch.
 */
export async function inFlightAfterKill(target: MigrationSide, left: MigrationState): Promise<number> {
  const inFlight = await pastCheckpoint(target, left.checkpoint);
  assert.equal((await countAll(target)) - inFlight, left.backfill.copied);
  assert.ok(inFlight <= BATCH, `${inFlight} records written past the checkpoint (batch ${BATCH})`);
  return inFlight;
}

/**
 * The restart's output (`stdout`) against what the dead process left (`left`): it resumed from the
 * checkpoint, scanned the `rest` of the source past it, found exactly the records written past the
 * checkpoint (`inFlight`) already there, verified clean and reached read-switch.
 */
export function assertResumed(
  service: string,
  stdout: string,
  left: MigrationState,
  rest: number,
  inFlight: number,
): { alreadyThere: number } {
  const resumedAfter = Object.entries(left.checkpoint.after)
    .map(([kind, key]) => `${kind} ${key}`)
    .join(', ');
  assert.ok(stdout.includes(`backfill resumes from its checkpoint: after ${resumedAfter} `), stdout);
  const report = /backfill complete: (\d+) copied, (\d+) already there/.exec(stdout);
  assert.ok(report, stdout);
  const [copiedAgain, alreadyThere] = [Number(report[1]), Number(report[2])];
  assert.equal(copiedAgain + alreadyThere, rest, 'the restart scanned from the checkpoint, not from zero');
  assert.equal(alreadyThere, inFlight, 'copied twice: what the store held past the checkpoint');
  assert.match(stdout, /verify clean/);
  assert.match(stdout, new RegExp(`${service}: read-switch`));
  return { alreadyThere };
}
