import { AppError } from '@polyshop/kernel';
import { runBackfill, type BackfillProgress, type BackfillResult } from './backfill.ts';
import { MIRROR_TIMEOUT_MS } from './mirror.ts';
import type { MigrationSide } from './migration-side.ts';
import type { Member, MigrationState, MigrationStateStore } from './migration-state.ts';
import type { Phase } from './phases.ts';
import { sleep } from './token-bucket.ts';
import {
  retryRepairs,
  verifyStores,
  type RetryResult,
  type VerifyOptions,
  type VerifyReport,
} from './verify.ts';

/** Phases `advance` does not leave: `idle` (`start`), `finished` (`cleanup`) and `cleanup` (the end). */
const NOT_ADVANCED: readonly Phase[] = ['idle', 'finished', 'cleanup'];

/** The engine's control store, and how long it waits for the processes of a service. */
export interface MigrationEngineOptions {
  state: MigrationStateStore;
  /** A member that has not heartbeat for this long is taken for dead and not waited for (default 10 000 ms). */
  aliveWithinMs?: number;
  /** How long `advance` waits for every live member to acknowledge the current epoch (default 10 000 ms). */
  ackTimeoutMs?: number;
  /** Pause between two looks at the members while waiting (default 100 ms). */
  pollMs?: number;
}

/** The two stores of a service's migration, as the engine copies between them. */
export interface MigrationSides {
  /** The store the service migrates from. */
  from: MigrationSide;
  /** The store the service migrates to. */
  to: MigrationSide;
}

/**
 * The operations an operator runs on a service's migration (the CLI and the admin API call these),
 * over the state store: it adds the rules a phase change must pass and records what backfill and
 * verify did. Knows no service: the stores come in as `MigrationSide`s.
 *
 * `advance` leaves a phase only once every live process of the service has acknowledged its epoch
 * (409 `MIGRATION.MEMBERS_BEHIND` after `ackTimeoutMs`), `backfill → verify` only once the backfill
 * completed (409 `MIGRATION.BACKFILL_INCOMPLETE`), `verify → read-switch` only after a clean verify
 * pass in `verify` with an empty repair log (409 `MIGRATION.NOT_VERIFIED`), and
 * `read-switch → write-switch` only with an empty repair log (409 `MIGRATION.REPAIRS_PENDING`): the
 * log's entries are copies from the old store to the new one, which the switch would turn round.
 */
export class MigrationEngine {
  readonly state: MigrationStateStore;
  readonly #aliveWithinMs: number;
  readonly #ackTimeoutMs: number;
  readonly #pollMs: number;

  constructor(options: MigrationEngineOptions) {
    this.state = options.state;
    this.#aliveWithinMs = options.aliveWithinMs ?? 10_000;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.#pollMs = options.pollMs ?? 100;
  }

  /** Starts moving `service` from `fromStore` to `toStore` (phase `dual-write`); see `MigrationStateStore.start`. */
  start(service: string, fromStore: string, toStore: string): Promise<MigrationState> {
    return this.state.start(service, fromStore, toStore);
  }

  /**
   * Moves the service to its next phase once the rules above hold; `expectedPhase`, when given, must
   * be the phase it is in (409 `MIGRATION.PHASE_CHANGED` otherwise).
   */
  async advance(service: string, expectedPhase?: Phase): Promise<MigrationState> {
    const migration = await this.state.require(service);
    const phase = expectedPhase ?? migration.phase;
    // A stale expectation, or a phase `advance` never leaves: the state store says why.
    if (migration.phase !== phase || NOT_ADVANCED.includes(phase)) return this.state.advance(service, phase);
    await this.#checkGate(migration);
    await this.waitForMembers(service, migration.epoch);
    return this.state.advance(service, phase);
  }

  /**
   * Back to `idle` on the old store, at once (no waiting for members first); see
   * `MigrationStateStore.rollback`. From `write-switch`, with `sides`, the repair log is first retried
   * (each entry the way its write went, see `retryRepairs`), so the old store has every write made in
   * between.
   *
   * Writes begun in `write-switch` may still be in flight when the rollback commits: a copy of one to
   * the old store that fails then lands in the repair log after the rollback, with its direction (new
   * store → old store), which the rollback keeps. So from `write-switch` the rollback then waits until
   * every live process has applied it (their older writes have ended; 409 `MIGRATION.MEMBERS_BEHIND`
   * after `ackTimeoutMs`) and retries the log again; a 503 `MIGRATION.ROLLBACK_REPAIRS_FAILED` names
   * the keys it could not copy (they stay in the log, a new start is refused while they do, and a
   * rollback run again in `idle` retries them).
   */
  async rollback(service: string, sides?: MigrationSides): Promise<MigrationState> {
    const migration = await this.state.require(service);
    if (sides && migration.phase === 'idle' && (await this.#owedTo(migration)) > 0) {
      return this.#retryOwed(migration, sides);
    }
    if (migration.phase !== 'write-switch' || !sides) return this.state.rollback(service);
    await this.retryRepairs(service, sides);
    const rolledBack = await this.state.rollback(service);
    await this.waitForMembers(service, rolledBack.epoch);
    return this.#retryOwed(rolledBack, sides);
  }

  /** How many entries of the log are writes still to be copied to the store the service is on (`idle`). */
  #owedTo(migration: MigrationState): Promise<number> {
    return this.state.repairs.size(migration.service, migration.fromStore);
  }

  /** After a rollback: retries the log; a 503 naming the writes the old store still misses. */
  async #retryOwed(migration: MigrationState, sides: MigrationSides): Promise<MigrationState> {
    const { service } = migration;
    await this.retryRepairs(service, sides);
    const owed = await this.#owedTo(migration);
    if (owed > 0) {
      const keys = (await this.state.repairs.list(service, 100))
        .filter((entry) => entry.direction?.target === migration.fromStore)
        .slice(0, 20);
      throw AppError.unavailable(
        'MIGRATION.ROLLBACK_REPAIRS_FAILED',
        `${service} rolled back to ${migration.fromStore}, but ${owed} write(s) made to ${migration.toStore} before the rollback could not be copied to it yet: ${keys
          .map((entry) => `${entry.kind}/${entry.key}`)
          .join(', ')}. Roll back again to retry them.`,
        { details: { service, failed: owed } },
      );
    }
    return migration;
  }

  /**
   * `finished → cleanup`, then drops the service's data from the old store (`from.drop()`). Run again
   * in `cleanup` to retry a drop that failed.
   */
  async cleanup(service: string, from: MigrationSide): Promise<MigrationState> {
    let migration = await this.state.require(service);
    if (migration.phase !== 'cleanup') {
      await this.waitForMembers(service, migration.epoch);
      migration = await this.state.cleanup(service);
    }
    await from.drop();
    return migration;
  }

  /**
   * Resolves once every member of `service` alive within `aliveWithinMs` has applied `epoch`; after
   * `ackTimeoutMs`, a 409 `MIGRATION.MEMBERS_BEHIND` naming those that have not.
   */
  async waitForMembers(service: string, epoch: number): Promise<void> {
    const deadline = performance.now() + this.#ackTimeoutMs;
    for (;;) {
      const behind = await this.state.membersBehind(service, epoch, this.#aliveWithinMs);
      if (behind.length === 0) return;
      if (performance.now() >= deadline) throw membersBehind(service, epoch, behind);
      await sleep(this.#pollMs);
    }
  }

  /**
   * Runs the service's backfill (in `backfill` only: 409 `MIGRATION.WRONG_PHASE` otherwise) from the
   * old store to the new one, resuming from its checkpoint; progress and counts go to the state store.
   * One run per service at a time, across processes (409 `MIGRATION.BACKFILL_RUNNING`; see `runBackfill`).
   */
  async runBackfill(options: {
    service: string;
    sides: MigrationSides;
    batchSize: number;
    rate?: number;
    throttle?: (rate: number | undefined) => number | undefined;
    signal?: AbortSignal;
    onProgress?: (progress: BackfillProgress) => void;
    /** The backfill lease's holder and duration (`BackfillOptions.holder`, `leaseMs`). */
    holder?: string;
    leaseMs?: number;
  }): Promise<BackfillResult> {
    const { service, sides } = options;
    await this.#requirePhase(service, ['backfill']);
    return runBackfill({
      state: this.state,
      service,
      source: sides.from,
      target: sides.to,
      batchSize: options.batchSize,
      ...(options.rate === undefined ? {} : { rate: options.rate }),
      ...(options.throttle ? { throttle: options.throttle } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.holder === undefined ? {} : { holder: options.holder }),
      ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    });
  }

  /**
   * Compares both stores (from `backfill` to `write-switch`: 409 `MIGRATION.WRONG_PHASE` otherwise),
   * the source of truth as the source (the old store, the new one in `write-switch`), optionally
   * repairing (the repair log's keys copied again first, see `retryRepairs`), and records the report.
   * Up to `read-switch` a repair copies the old store over the new one (`force`); in `write-switch`
   * by version (`by-version`: the newer copy wins whichever store holds it), so a write the old store
   * took before the switch and the new one missed is never overwritten by the new store's older copy.
   */
  async verify(options: {
    service: string;
    sides: MigrationSides;
    batchSize: number;
    repair?: boolean;
    detailLimit?: number;
    onProgress?: VerifyOptions['onProgress'];
  }): Promise<VerifyReport> {
    const { service, sides } = options;
    const migration = await this.#requirePhase(service, [
      'backfill',
      'verify',
      'read-switch',
      'write-switch',
    ]);
    // After the write switch the new store is the source of truth: it is compared as the source.
    const switched = migration.phase === 'write-switch';
    const [source, target] = switched ? [sides.to, sides.from] : [sides.from, sides.to];
    const [sourceStore, targetStore] = switched
      ? [migration.toStore, migration.fromStore]
      : [migration.fromStore, migration.toStore];
    // A repairing pass first copies the repair log's keys again, each its own way: a key whose copy
    // holds by now (a backfill copied it since its mirror write failed) leaves the log, which the
    // comparison alone, finding nothing to repair there, would never do — and the log would keep
    // read-switch shut.
    if (options.repair) await this.retryRepairs(service, sides, options.batchSize);
    const report = await verifyStores({
      source,
      target,
      batchSize: options.batchSize,
      repair: options.repair ?? false,
      // Once the source of truth flipped, the old store may hold a newer copy (a write made before the
      // switch whose copy failed): the newer record wins, never the source's by force.
      repairMode: switched ? 'by-version' : 'force',
      repairLog: { state: this.state, service, direction: { source: sourceStore, target: targetStore } },
      // a dual-write copy under way lands, or goes to the repair log, within the mirror's timeout
      settle: { withinMs: MIRROR_TIMEOUT_MS },
      ...(options.detailLimit === undefined ? {} : { detailLimit: options.detailLimit }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    await this.state.recordVerify(service, report, { phase: migration.phase, epoch: migration.epoch });
    return report;
  }

  /**
   * Copies the repair log's keys again, each the way its entry records (from the store its write went
   * to first, by the migration's store names), entries without a direction from the current primary
   * store to the mirror (see `retryRepairs`).
   */
  async retryRepairs(service: string, sides: MigrationSides, batchSize?: number): Promise<RetryResult> {
    const migration = await this.state.require(service);
    const [primary, mirror] =
      migration.phase === 'write-switch' ? [sides.to, sides.from] : [sides.from, sides.to];
    return retryRepairs(this.state, service, primary, mirror, {
      stores: { [migration.fromStore]: sides.from, [migration.toStore]: sides.to },
      ...(batchSize === undefined ? {} : { batchSize }),
    });
  }

  async #checkGate(migration: MigrationState): Promise<void> {
    const { service, phase } = migration;
    if (phase === 'backfill' && !migration.checkpoint.completed) {
      throw AppError.conflict(
        'MIGRATION.BACKFILL_INCOMPLETE',
        `${service} cannot leave backfill before the backfill has copied every kind (done: ${
          migration.checkpoint.done.join(', ') || 'none'
        }).`,
        { details: { service, checkpoint: migration.checkpoint } },
      );
    }
    if (phase === 'verify') {
      const verify = migration.lastVerify;
      const repairs = await this.state.repairs.size(service);
      const verified =
        verify?.clean === true && verify.phase === 'verify' && verify.epoch === migration.epoch;
      if (!verified || repairs > 0) {
        const why = !verify
          ? 'no verify pass has run'
          : !verified
            ? verify.clean
              ? 'the last clean verify pass ran before this phase'
              : `the last verify pass found ${verify.differences} differences`
            : `the repair log holds ${repairs} keys`;
        throw AppError.conflict('MIGRATION.NOT_VERIFIED', `${service} cannot switch reads: ${why}.`, {
          details: { service, lastVerify: verify ? summary(verify) : null, repairs },
        });
      }
    }
    if (phase === 'read-switch') {
      const repairs = await this.state.repairs.size(service);
      if (repairs > 0) {
        throw AppError.conflict(
          'MIGRATION.REPAIRS_PENDING',
          `${service} cannot switch writes while its repair log holds ${repairs} keys: retry them first.`,
          { details: { service, repairs } },
        );
      }
    }
  }

  async #requirePhase(service: string, phases: readonly Phase[]): Promise<MigrationState> {
    const migration = await this.state.require(service);
    if (!phases.includes(migration.phase)) {
      throw AppError.conflict(
        'MIGRATION.WRONG_PHASE',
        `${service} is in ${migration.phase}; this runs in ${phases.join(' or ')} only.`,
        { details: { service, phase: migration.phase } },
      );
    }
    return migration;
  }
}

function membersBehind(service: string, epoch: number, behind: Member[]): AppError {
  return AppError.conflict(
    'MIGRATION.MEMBERS_BEHIND',
    `${behind.length} live process(es) of ${service} have not applied epoch ${epoch} yet: ${behind
      .map((member) => `${member.processId} (epoch ${member.epoch})`)
      .join(', ')}.`,
    {
      details: {
        service,
        epoch,
        members: behind.map((member) => ({
          processId: member.processId,
          epoch: member.epoch,
          seenAt: member.seenAt.toISOString(),
        })),
      },
    },
  );
}

function summary(verify: VerifyReport & { at: string; phase: Phase; epoch: number }) {
  return {
    at: verify.at,
    phase: verify.phase,
    epoch: verify.epoch,
    clean: verify.clean,
    differences: verify.differences,
  };
}
