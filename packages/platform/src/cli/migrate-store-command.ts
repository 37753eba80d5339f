import { InvalidArgumentError, Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { AppError } from '@polyshop/kernel';
import {
  PHASES,
  type BackfillLease,
  type MigrationSides,
  type MigrationState,
  type Phase,
  type VerifyReport,
} from '@polyshop/migration';
import { loadPlatformConfig } from '../platform-config.ts';
import { openMigrationConnections, type MigrationConnections } from '../migration/migration-connections.ts';
import { currentStore } from '../migration/migration-sides.ts';
import { findServiceDefinition, serviceNames } from '../service-catalog.ts';

/** The phases `--phase` may stop at, in order. */
const TARGET_PHASES = PHASES.filter((phase) => phase !== 'idle' && phase !== 'cleanup');

/** Records per scan and per write of the backfill and verify passes (default of `--batch-size`). */
const BATCH_SIZE = 500;

/** The variable that sets how long the CLI's backfill lease lasts unless renewed (ms). */
export const BACKFILL_LEASE_VARIABLE = 'MIGRATION_BACKFILL_LEASE_MS';

/** Switches tried while copies that failed under load keep landing in the repair log. */
const SWITCH_ATTEMPTS = 5;

/** Whether the engine refused a switch only because its repair log holds keys (retrying them may clear it). */
function onlyRepairsPending(error: unknown): boolean {
  if (!(error instanceof AppError)) return false;
  const details = error.details as { repairs?: number; lastVerify?: { clean?: boolean } | null } | undefined;
  if (!details?.repairs) return false;
  return error.code === 'MIGRATION.REPAIRS_PENDING' || details.lastVerify?.clean === true;
}

/** How many differences a failed verify prints. */
const SHOWN_DIFFERENCES = 20;

/** What `polyshop migrate-store <service> --to <store>` was asked to do. */
export interface MigrateStoreOptions {
  service: string;
  to: string;
  /** Stop once the migration reaches this phase (default: `finished`). */
  phase?: Phase;
  /** Backfill records per second (saved with the migration). */
  rate?: number;
  /** Records per backfill batch (one scan, one write, one checkpoint); default 500. */
  batchSize?: number;
  /** How long the backfill lease lasts unless renewed (default: the engine's, 30 s). */
  leaseMs?: number;
  /** Verify repairs the new store's differences (then verifies again). */
  repair?: boolean;
  /** Go on past `read-switch` to switch writes (else stop there and say how to continue). */
  yes?: boolean;
  /** A progress bar on stderr during the backfill and the verify passes (records, rate, ETA). */
  progress?: boolean;
  /** Where the command's lines go (stdout). */
  print: (line: string) => void;
  /** Stops a backfill after its batch (Ctrl-C); run again to resume. */
  signal?: AbortSignal;
}

/** A refusal of the command itself (no AppError from the engine): printed, exit code 1. */
function refuse(code: string, message: string, field?: string): AppError {
  return AppError.conflict(code, message, field ? { field } : {});
}

/** Whether a migration is between `dual-write` and `write-switch` (not idle, finished or cleaned up). */
function isUnderWay(migration: MigrationState | undefined): migration is MigrationState {
  return (
    migration !== undefined &&
    migration.phase !== 'idle' &&
    migration.phase !== 'finished' &&
    migration.phase !== 'cleanup'
  );
}

/**
 * Drives a service's migration to `to` phase by phase: starts it (from the store the service is on
 * now) unless one to the same store is under way, then dual-write → backfill (runs it, with a progress
 * bar) → verify (runs it; stops listing the differences unless clean, repairing first with `repair`)
 * → read-switch → (only with `yes`) write-switch → finished. Stops at `phase` when given. Resolves to
 * the migration as it was left.
 */
export async function migrateStore(
  connections: MigrationConnections,
  options: MigrateStoreOptions,
): Promise<MigrationState> {
  const { engine, sides } = connections;
  const { service, to, print } = options;
  const target = options.phase ?? 'finished';
  await sides.side(service, to, 'to');
  let migration = await engine.state.get(service);
  const underWay = isUnderWay(migration);
  if (migration && underWay && migration.toStore !== to) {
    throw refuse(
      'MIGRATION.ALREADY_RUNNING',
      `${service} is already migrating from ${migration.fromStore} to ${migration.toStore} (phase ${migration.phase}); finish or roll it back first.`,
      'to',
    );
  }
  if (migration && !underWay && currentStore(migration, '') === to) {
    print(`${service} is already on ${to} (phase ${migration.phase}, epoch ${migration.epoch}).`);
    return migration;
  }
  if (!migration || !underWay) {
    const from = currentStore(migration, connections.configuredStore(service));
    migration = await engine.start(service, from, to);
    print(`${service}: migration ${from} → ${to} started: dual-write (epoch ${migration.epoch})`);
  } else {
    print(`${service}: resuming migration ${migration.fromStore} → ${to} in ${migration.phase}`);
  }
  if (options.rate !== undefined) migration = await engine.state.setRate(service, options.rate);
  const order = (phase: Phase) => (TARGET_PHASES as readonly Phase[]).indexOf(phase);
  if (order(migration.phase) > order(target)) {
    print(`${service} is in ${migration.phase}, past ${target}: nothing to do.`);
    return migration;
  }
  const migrationSides = await sides.sidesOf(migration);
  const retryRepairs = async () => {
    if ((await engine.state.repairs.size(service)) === 0) return;
    const retried = await engine.retryRepairs(service, migrationSides, BATCH_SIZE);
    print(`${service}: repair log retried: ${retried.fixed} fixed, ${retried.failed} still failing`);
  };
  // Under load a dual-write copy can fail (its key goes to the repair log) at any moment, also between
  // the last retry and the switch, which the engine then refuses: retry the log and switch again.
  const advance = async (from: Phase) => {
    for (let attempt = 1; ; attempt++) {
      try {
        migration = await engine.advance(service, from);
        break;
      } catch (error) {
        if (!onlyRepairsPending(error) || attempt >= SWITCH_ATTEMPTS) throw error;
        await retryRepairs();
      }
    }
    print(`${service}: ${migration.phase} (epoch ${migration.epoch})`);
  };

  while (migration.phase !== target) {
    if (options.signal?.aborted) {
      print(`${service}: stopped in ${migration.phase}; run the command again to go on.`);
      return migration;
    }
    switch (migration.phase) {
      case 'dual-write':
        await advance('dual-write');
        break;
      case 'backfill': {
        if (!migration.checkpoint.completed) {
          const result = await backfill(connections, migration, migrationSides, options);
          if (!result.completed) {
            print(
              `${service}: backfill ${result.stopped === 'paused' ? 'paused' : 'stopped'} after ${result.copied} records copied; run the command again to resume.`,
            );
            return engine.state.require(service);
          }
        }
        await advance('backfill');
        break;
      }
      case 'verify': {
        await retryRepairs();
        let report = await verify(connections, service, migrationSides, options);
        // differences that are all copies owed by the repair log (failed under load since its last
        // retry): retry the log and verify again
        for (let round = 1; !report.clean && report.owed === report.differences && round < 3; round++) {
          await retryRepairs();
          report = await verify(connections, service, migrationSides, options);
        }
        if (!report.clean) {
          throw refuse(
            'MIGRATION.NOT_VERIFIED',
            `${service}: verify found ${report.differences} differences between ${migration.fromStore} and ${migration.toStore}:\n${formatDifferences(report)}\nRun again with --repair to copy ${migration.fromStore} over them, or --rollback.`,
          );
        }
        await advance('verify');
        break;
      }
      case 'read-switch':
        if (!options.yes) {
          print(
            `${service}: reads now come from ${migration.toStore}; writes still go to ${migration.fromStore} first.\n` +
              `To switch writes: polyshop migrate-store ${service} --to ${to} --yes (or --rollback to go back).`,
          );
          return migration;
        }
        await retryRepairs();
        await advance('read-switch');
        break;
      case 'write-switch':
        // writes owed to the new store (copies that failed as writes switched) land before it finishes
        await retryRepairs();
        await advance('write-switch');
        break;
      default:
        throw refuse('MIGRATION.NO_NEXT_PHASE', `${service} cannot advance from ${migration.phase}.`);
    }
  }
  if (migration.phase === 'finished') {
    const variable = findServiceDefinition(service)?.stores.variable;
    print(
      `${service} now runs on ${migration.toStore}${variable ? ` (set ${variable}=${migration.toStore} so the configuration says so too)` : ''}; ` +
        `polyshop migrate-store ${service} --cleanup deletes its data from ${migration.fromStore}.`,
    );
  }
  return migration;
}

/** The deployments `--all --to` moves the platform between: each movable service to its polyglot store, or all to PostgreSQL. */
export const PLATFORM_TARGETS = ['polyglot', 'phase1'] as const;
export type PlatformTarget = (typeof PLATFORM_TARGETS)[number];

/** The store `service` runs on in `target`: its definition's polyglot store, or PostgreSQL in Phase 1. */
export function storeIn(service: string, target: PlatformTarget): string {
  if (target === 'phase1') return 'postgres';
  const polyglot = findServiceDefinition(service)?.stores.polyglot;
  if (!polyglot) throw refuse('MIGRATION.UNKNOWN_SERVICE', `${service} has no polyglot store.`, 'service');
  return polyglot;
}

/**
 * `polyshop migrate-store --all --to <polyglot|phase1>`: moves every movable service, one after
 * another in the catalog's order, to its store in `target`, each through every phase to `finished`
 * (or to `phase`), skipping those already there. Stops at the first service that does not get there
 * (a refusal is thrown; a stopped backfill returns), so a rerun goes on from it. Resolves to the
 * services' migrations as they were left.
 */
export async function migrateAll(
  connections: MigrationConnections,
  options: Omit<MigrateStoreOptions, 'service' | 'to' | 'yes'> & { to: PlatformTarget },
): Promise<MigrationState[]> {
  const { to, ...rest } = options;
  const movable = connections.sides.services();
  const services = serviceNames.filter((name) => movable.includes(name));
  const target = options.phase ?? 'finished';
  const left: MigrationState[] = [];
  for (const [index, service] of services.entries()) {
    const store = storeIn(service, to);
    const before = await connections.engine.state.get(service);
    if (!isUnderWay(before) && currentStore(before, connections.configuredStore(service)) === store) {
      options.print(`[${index + 1}/${services.length}] ${service} is already on ${store}`);
      if (before) left.push(before);
      continue;
    }
    options.print(`[${index + 1}/${services.length}] ${service} → ${store}`);
    const migration = await migrateStore(connections, { ...rest, service, to: store, yes: true });
    left.push(migration);
    if (migration.phase !== target) {
      options.print(`stopped at ${service} (phase ${migration.phase}); run the command again to go on.`);
      return left;
    }
  }
  options.print(
    to === 'polyglot'
      ? `every movable service is on its polyglot store (${services.map((s) => `${s}: ${storeIn(s, to)}`).join(', ')}); set POLYSHOP_PROFILE=polyglot so the configuration says so too.`
      : `every movable service is on PostgreSQL (${services.join(', ')}); set POLYSHOP_PROFILE=phase1 (the default) so the configuration says so too.`,
  );
  return left;
}

async function backfill(
  { engine }: MigrationConnections,
  migration: MigrationState,
  sides: MigrationSides,
  options: MigrateStoreOptions,
) {
  const { service, print } = options;
  const bar = phaseBar('backfill', service, options.progress === true);
  const before = migration.backfill.copied + migration.backfill.skipped;
  const resumed = Object.entries(migration.checkpoint.after);
  if (resumed.length > 0 || migration.checkpoint.done.length > 0) {
    print(
      `${service}: backfill resumes from its checkpoint: after ${resumed.map(([kind, key]) => `${kind} ${key}`).join(', ') || 'nothing'}` +
        ` (done: ${migration.checkpoint.done.join(', ') || 'none'}; ${migration.backfill.copied} copied, ${migration.backfill.skipped} already there before)`,
    );
  }
  const startedAt = performance.now();
  try {
    const result = await engine.runBackfill({
      service,
      sides,
      batchSize: options.batchSize ?? BATCH_SIZE,
      ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (progress) =>
        bar.show(progress.kind, progress.copied + progress.skipped, progress.total, progress.rate),
    });
    bar.stop();
    const seconds = (performance.now() - startedAt) / 1000;
    const records = result.copied + result.skipped;
    print(
      `${service}: backfill ${result.completed ? 'complete' : 'stopped'}: ${result.copied} copied, ${result.skipped} already there` +
        ` (${before + records} in all) in ${seconds.toFixed(1)} s, ${seconds > 0 ? Math.round(records / seconds) : records} records/s`,
    );
    return result;
  } finally {
    bar.stop();
  }
}

/**
 * A progress bar on stderr for one phase's pass (records, rate, ETA), one bar per kind, or nothing
 * when `enabled` is false (not a terminal, tests).
 */
function phaseBar(phase: string, service: string, enabled: boolean) {
  const bar = new cliProgress.SingleBar(
    {
      format: `${phase} ${service} {kind} [{bar}] {percentage}% | {value}/{total} records | {rate} records/s | ETA {eta_formatted}`,
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let kind: string | undefined;
  return {
    show(current: string, done: number, total: number, rate: number) {
      if (!enabled) return;
      const payload = { kind: current, rate: Math.round(rate) };
      if (kind !== current) {
        if (kind !== undefined) bar.stop();
        kind = current;
        bar.start(Math.max(total, done), done, payload);
      } else {
        if (done > bar.getTotal()) bar.setTotal(done);
        bar.update(done, payload);
      }
    },
    stop() {
      if (kind !== undefined) bar.stop();
      kind = undefined;
    },
  };
}

async function verify(
  { engine }: MigrationConnections,
  service: string,
  sides: MigrationSides,
  options: MigrateStoreOptions,
): Promise<VerifyReport> {
  const { print } = options;
  const bar = phaseBar('verify', service, options.progress === true);
  let report = await engine
    .verify({
      service,
      sides,
      batchSize: BATCH_SIZE,
      repair: options.repair ?? false,
      onProgress: (progress) => bar.show(progress.kind, progress.compared, progress.total, progress.rate),
    })
    .finally(() => bar.stop());
  if (report.repaired) {
    const { copied, removed, failed } = report.repaired;
    print(
      `${service}: verify repaired ${copied} copied, ${removed} removed, ${failed} failed; verifying again`,
    );
    if (report.differences > 0) report = await engine.verify({ service, sides, batchSize: BATCH_SIZE });
  }
  print(
    `${service}: verify ${report.clean ? 'clean' : `found ${report.differences} differences`}: ${Object.entries(
      report.kinds,
    )
      .map(([kind, counts]) => `${kind} ${counts.source}/${counts.target}`)
      .join(
        ', ',
      )}${report.owed ? ` (${report.owed} copies owed by the repair log, retried before read-switch)` : ''}`,
  );
  return report;
}

/** The first differences of a verify report, one per line. */
export function formatDifferences(report: VerifyReport): string {
  const lines = report.details.slice(0, SHOWN_DIFFERENCES).map((difference) => {
    const versions = [
      difference.source ? `source v${difference.source.version}` : 'not in source',
      difference.target ? `target v${difference.target.version}` : 'not in target',
    ].join(', ');
    return `  ${difference.kind} ${difference.key}: ${difference.type} (${versions})`;
  });
  if (report.differences > lines.length) lines.push(`  … and ${report.differences - lines.length} more`);
  return lines.join('\n');
}

/** One block per migration: stores, phase, epoch, counts, backfill lease, repair log and last verify. */
export function formatMigrationStatus(
  migration: MigrationState,
  repairs: number,
  lease?: BackfillLease,
): string {
  const verify = migration.lastVerify;
  return [
    `${migration.service}: ${migration.fromStore} → ${migration.toStore}, phase ${migration.phase}, epoch ${migration.epoch}${
      migration.paused ? ' (backfill paused)' : ''
    }`,
    `  backfill: ${migration.backfill.copied} copied, ${migration.backfill.skipped} already there, ${
      migration.checkpoint.completed ? 'complete' : `done: ${migration.checkpoint.done.join(', ') || 'none'}`
    }${migration.rate ? `, rate ${migration.rate} records/s` : ''}`,
    ...(lease
      ? [`  backfill lease: ${lease.holder} until ${lease.expiresAt.toISOString()} (renewed while it runs)`]
      : []),
    `  repair log: ${repairs} keys`,
    `  last verify: ${
      verify
        ? `${verify.clean ? 'clean' : `${verify.differences} differences`} (in ${verify.phase}, epoch ${verify.epoch}, ${verify.at})`
        : 'none'
    }`,
    `  started ${migration.startedAt.toISOString()}, updated ${migration.updatedAt.toISOString()}`,
  ].join('\n');
}

/** `MIGRATION_BACKFILL_LEASE_MS`, when set: a whole number of ms ≥ 100. */
function leaseFrom(env: NodeJS.ProcessEnv): number | undefined {
  const value = env[BACKFILL_LEASE_VARIABLE];
  if (value === undefined || value === '') return undefined;
  const ms = Number(value);
  if (!Number.isSafeInteger(ms) || ms < 100) {
    throw AppError.invalidInput(
      'MIGRATION.INVALID_LEASE',
      `${BACKFILL_LEASE_VARIABLE} is a whole number of milliseconds, at least 100 (got "${value}").`,
      { field: BACKFILL_LEASE_VARIABLE },
    );
  }
  return ms;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1)
    throw new InvalidArgumentError('expected a whole number ≥ 1');
  return number;
}

/** The command's flags, as commander parses them. */
export interface MigrateStoreCommandOptions {
  to?: string;
  phase?: Phase;
  status?: boolean;
  /** Every movable service: `--to polyglot|phase1`, or `--rollback` of every migration under way. */
  all?: boolean;
  rollback?: boolean;
  cleanup?: boolean;
  rate?: number;
  batchSize?: number;
  repair?: boolean;
  yes?: boolean;
  dataDir?: string;
  /** From `MIGRATION_BACKFILL_LEASE_MS` (not a flag). */
  leaseMs?: number;
}

/**
 * What `polyshop migrate-store [service] [flags]` does once the stores are open: `--status`,
 * `--rollback`, `--cleanup`, or `migrateStore`. Lines go to `print`; a refusal is thrown as an AppError.
 */
export async function runMigrateStore(
  service: string | undefined,
  options: MigrateStoreCommandOptions,
  connections: MigrationConnections,
  print: (line: string) => void,
): Promise<void> {
  const { engine, sides } = connections;
  const modes = [options.status, options.rollback, options.cleanup].filter(Boolean).length;
  if (modes > 1) {
    throw AppError.invalidInput(
      'MIGRATION.OPTIONS',
      'Use one of --status, --rollback and --cleanup at a time.',
    );
  }
  if (options.status) {
    const all = service ? [await engine.state.require(service)] : await engine.state.list();
    if (all.length === 0) print('no store migration was started');
    for (const migration of all) {
      print(
        formatMigrationStatus(
          migration,
          await engine.state.repairs.size(migration.service),
          await engine.state.backfillLease(migration.service),
        ),
      );
    }
    return;
  }
  if (options.all) {
    if (service) {
      throw AppError.invalidInput(
        'MIGRATION.OPTIONS',
        `Name a service or use --all, not both (got "${service}").`,
        { field: 'service' },
      );
    }
    await runForAll(options, connections, print);
    return;
  }
  if (!service) {
    throw AppError.invalidInput(
      'MIGRATION.SERVICE_REQUIRED',
      `Name the service to migrate (${sides.services().join(', ')}).`,
      {
        field: 'service',
      },
    );
  }
  sides.stores(service);
  if (options.rollback || options.cleanup) {
    const migration = await engine.state.require(service);
    const after = options.rollback
      ? await engine.rollback(service, await sides.sidesOf(migration))
      : await engine.cleanup(service, await sides.side(service, migration.fromStore, 'from'));
    print(
      options.rollback
        ? `${service}: rolled back to ${after.fromStore} (idle, epoch ${after.epoch})`
        : `${service}: cleanup: its data on ${after.fromStore} is deleted (epoch ${after.epoch})`,
    );
    return;
  }
  if (!options.to) {
    throw AppError.invalidInput(
      'MIGRATION.STORE_REQUIRED',
      `Name the store to move ${service} to with --to.`,
      {
        field: 'to',
      },
    );
  }
  const to = options.to;
  await untilCtrlC((signal) =>
    migrateStore(connections, {
      ...runOptions(options, print, signal),
      service,
      to,
      yes: options.yes ?? false,
    }),
  );
}

/** `--all`: every movable service to its store in `--to polyglot|phase1`, or `--rollback` of each under way. */
async function runForAll(
  options: MigrateStoreCommandOptions,
  connections: MigrationConnections,
  print: (line: string) => void,
): Promise<void> {
  const { engine, sides } = connections;
  if (options.rollback) {
    const underWay = (await engine.state.list()).filter(isUnderWay);
    if (underWay.length === 0) print('no store migration is under way: nothing to roll back');
    for (const migration of underWay) {
      const after = await engine.rollback(migration.service, await sides.sidesOf(migration));
      print(`${after.service}: rolled back to ${after.fromStore} (idle, epoch ${after.epoch})`);
    }
    return;
  }
  if (options.cleanup) {
    throw AppError.invalidInput('MIGRATION.OPTIONS', '--cleanup takes one service at a time, not --all.', {
      field: 'cleanup',
    });
  }
  const to = options.to;
  if (!to || !(PLATFORM_TARGETS as readonly string[]).includes(to)) {
    throw AppError.invalidInput(
      'MIGRATION.PLATFORM_TARGET',
      `With --all, --to names a deployment: ${PLATFORM_TARGETS.join(' or ')}${to ? ` (got "${to}")` : ''}.`,
      { field: 'to' },
    );
  }
  await untilCtrlC((signal) =>
    migrateAll(connections, { ...runOptions(options, print, signal), to: to as PlatformTarget }),
  );
}

/** The flags a move takes, as `migrateStore` / `migrateAll` options. */
function runOptions(options: MigrateStoreCommandOptions, print: (line: string) => void, signal: AbortSignal) {
  return {
    ...(options.phase ? { phase: options.phase } : {}),
    ...(options.rate ? { rate: options.rate } : {}),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
    repair: options.repair ?? false,
    progress: process.stderr.isTTY,
    print,
    signal,
  };
}

/**
 * Runs `work` with a signal that Ctrl-C aborts: the work stops after the step in hand (a backfill
 * after its batch) and the exit code is 130; a second Ctrl-C quits at once.
 */
async function untilCtrlC(work: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
    process.stderr.write('\nstopping after this step (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    await work(abort.signal);
    if (abort.signal.aborted) process.exitCode = 130;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * `polyshop migrate-store <service> --to <store>`: moves a service to another store while it serves,
 * through `MigrationEngine` over the platform's PostgreSQL (the control store) and the two stores.
 */
export function registerMigrateStoreCommand(program: Command): void {
  program
    .command('migrate-store')
    .description(
      'move a service to another store online: dual-write → backfill → verify → read-switch → write-switch → finished',
    )
    .argument(
      '[service]',
      'the service to move (products, inventory, search, notifications); optional with --status, left out with --all',
    )
    .option(
      '--to <store>',
      'the store to move to (products, notifications: postgres, mongodb; inventory: postgres, dynamodb; search: postgres, opensearch); with --all: polyglot or phase1',
    )
    .option(
      '--all',
      'every movable service, one after another, each through every phase to finished: --to polyglot (each to its target store) or --to phase1 (all to postgres); with --rollback, roll back every migration under way',
    )
    .addOption(
      new Option('--phase <name>', 'advance only up to this phase, then stop').choices([...TARGET_PHASES]),
    )
    .option('--status', "print every service's migration (or this service's): phase, stores, epoch, counts")
    .option('--rollback', 'go back to the old store (any phase before finished)')
    .option('--cleanup', 'after finished: delete the service’s data from the old store')
    .option('--rate <n>', 'backfill at most n records per second (saved with the migration)', positiveInteger)
    .option(
      '--batch-size <n>',
      `backfill n records per batch: one scan, one write, one checkpoint (default ${BATCH_SIZE})`,
      positiveInteger,
    )
    .option('--repair', 'let verify copy the old store over every difference it finds, then verify again')
    .option('--yes', 'go on past read-switch and switch writes to the new store (else it stops there)')
    .option(
      '--data-dir <dir>',
      'PGlite data folder (default: POLYSHOP_DATA_DIR or ./.polyshop); stop a server using it first',
    )
    .action(async (service: string | undefined, options: MigrateStoreCommandOptions) => {
      const env = process.env;
      const config = {
        ...loadPlatformConfig(env),
        ...(options.dataDir ? { POLYSHOP_DATA_DIR: options.dataDir } : {}),
      };
      let connections: MigrationConnections | undefined;
      try {
        const leaseMs = leaseFrom(env);
        connections = await openMigrationConnections(config, env);
        await runMigrateStore(
          service,
          { ...options, ...(leaseMs === undefined ? {} : { leaseMs }) },
          connections,
          (line) => process.stdout.write(`${line}\n`),
        );
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        process.stderr.write(
          `polyshop migrate-store: ${error.message}${error.field ? ` (${error.field})` : ''}\n`,
        );
        process.exitCode = 1;
      } finally {
        await connections?.close();
      }
    });
}
