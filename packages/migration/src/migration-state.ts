import { AppError, createEvent, systemClock, type Clock, type EventEnvelope } from '@polyshop/kernel';
import { appendToOutbox, migrate, type SqlDatabase, type SqlExecutor } from '@polyshop/stores';
import {
  MIGRATION_BACKFILL_LEASES_TABLE,
  MIGRATION_HISTORY_TABLE,
  MIGRATION_MEMBERS_TABLE,
  MIGRATION_REPAIRS_TABLE,
  MIGRATION_STATE_MIGRATIONS,
  MIGRATIONS_TABLE,
  PLATFORM_SCHEMA,
  type BackfillCheckpoint,
  type BackfillCounts,
  type MigrationBackfillLeaseRow,
  type MigrationHistoryRow,
  type MigrationMemberRow,
  type MigrationRow,
} from './migration-tables.ts';
import { RepairLog } from './repair-log.ts';
import { canRollBack, nextPhase, PHASES, type Phase } from './phases.ts';
import type { VerifyReport } from './verify.ts';

/** A service's migration as the control store holds it. */
export interface MigrationState {
  service: string;
  fromStore: string;
  toStore: string;
  phase: Phase;
  /** Grows by one at every phase change (rollbacks and restarts included); processes acknowledge it. */
  epoch: number;
  paused: boolean;
  /** Backfill throttle in records per second; undefined: unthrottled. */
  rate: number | undefined;
  checkpoint: BackfillCheckpoint;
  backfill: BackfillCounts;
  lastVerify: VerifyRecord | undefined;
  startedAt: Date;
  updatedAt: Date;
}

/** A verify pass as recorded: its report, when it ran, and the phase and epoch it ran in. */
export interface VerifyRecord extends VerifyReport {
  phase: Phase;
  epoch: number;
  /** ISO 8601, when the pass was recorded. */
  at: string;
}

/** One phase change of a service's history. */
export interface PhaseChange {
  fromStore: string;
  toStore: string;
  fromPhase: Phase;
  toPhase: Phase;
  epoch: number;
  changedAt: Date;
}

/** The data of a `migration.phase_changed` event. */
export interface PhaseChangedData {
  service: string;
  from: string;
  to: string;
  fromPhase: Phase;
  toPhase: Phase;
  epoch: number;
}

/** A process of a service that heartbeats, and the epoch it has applied. */
export interface Member {
  processId: string;
  epoch: number;
  seenAt: Date;
}

/** Who runs a service's backfill, and until when its lease holds unless renewed (database time). */
export interface BackfillLease {
  service: string;
  holder: string;
  acquiredAt: Date;
  expiresAt: Date;
}

/** A lease holder's identity and how long each acquisition or renewal lasts. */
export interface BackfillLeaseHolder {
  holder: string;
  ttlMs: number;
}

/** The event type appended to `platform.outbox` at every phase change. */
export const PHASE_CHANGED = 'migration.phase_changed';

const EMPTY_CHECKPOINT: BackfillCheckpoint = { after: {}, done: [], completed: false };
const ZERO_COUNTS: BackfillCounts = { copied: 0, skipped: 0 };
/** Phases in which a migration is under way: a second `start` is refused. */
const RUNNING: readonly Phase[] = PHASES.slice(PHASES.indexOf('dual-write'), PHASES.indexOf('finished'));

const M = MIGRATIONS_TABLE.qualified;
const H = MIGRATION_HISTORY_TABLE.qualified;
const P = MIGRATION_MEMBERS_TABLE.qualified;
const R = MIGRATION_REPAIRS_TABLE.qualified;
const L = MIGRATION_BACKFILL_LEASES_TABLE.qualified;

/**
 * The control store of every migration: one row per service in `platform.migrations` with its
 * phase and epoch, the phase history, the repair log and the processes' heartbeats, in PostgreSQL.
 *
 * Each phase change is one transaction: it locks the service's row, checks the phase it expects,
 * bumps the epoch, records the history and appends a `migration.phase_changed` event to
 * `platform.outbox`, so the event exists exactly when the change committed. Phases are never
 * skipped: `advance` only ever moves to `nextPhase`, `rollback` only back to `idle`.
 */
export class MigrationStateStore {
  readonly #db: SqlDatabase;
  readonly #clock: Clock;
  /** The services' repair logs (keys whose mirror copy failed). */
  readonly repairs: RepairLog;

  constructor(db: SqlDatabase, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.repairs = new RepairLog(db, this.#clock);
  }

  /** Creates (or completes) the `platform` schema: the migration tables, and the outbox every schema gets. */
  static async migrate(db: SqlDatabase): Promise<void> {
    await migrate(db, { schema: PLATFORM_SCHEMA, migrations: MIGRATION_STATE_MIGRATIONS });
  }

  /** The service's migration, or undefined when none was ever started. */
  async get(service: string): Promise<MigrationState | undefined> {
    const [row] = await this.#db.query<MigrationRow>(
      `SELECT ${MIGRATIONS_TABLE.columnList} FROM ${M} WHERE service = $1`,
      [service],
    );
    return row && stateOf(row);
  }

  /** The service's migration; a 404 `MIGRATION.NOT_FOUND` when none was started. */
  async require(service: string): Promise<MigrationState> {
    const state = await this.get(service);
    if (!state) throw notFound(service);
    return state;
  }

  /** Every service's migration, by service name. */
  async list(): Promise<MigrationState[]> {
    const rows = await this.#db.query<MigrationRow>(
      `SELECT ${MIGRATIONS_TABLE.columnList} FROM ${M} ORDER BY service`,
    );
    return rows.map(stateOf);
  }

  /** The service's phase changes, oldest first. */
  async history(service: string): Promise<PhaseChange[]> {
    const rows = await this.#db.query<MigrationHistoryRow>(
      `SELECT ${MIGRATION_HISTORY_TABLE.columnList} FROM ${H} WHERE service = $1 ORDER BY id`,
      [service],
    );
    return rows.map((row) => ({
      fromStore: row.from_store,
      toStore: row.to_store,
      fromPhase: row.from_phase,
      toPhase: row.to_phase,
      epoch: row.epoch,
      changedAt: row.changed_at,
    }));
  }

  /**
   * Starts moving `service` from `fromStore` to `toStore`: phase `dual-write`, a fresh checkpoint and
   * no verify. Refused with a 409 `MIGRATION.ALREADY_RUNNING` while a migration of the service is
   * between `dual-write` and `write-switch`; with a 400 `MIGRATION.SAME_STORE` when both stores are
   * one; and with a 400 `MIGRATION.FROM_STORE_MISMATCH` when an earlier migration left the service on
   * another store than `fromStore` (`idle` after a rollback: its from store; `finished`: its to store),
   * and with a 409 `MIGRATION.REPAIRS_PENDING` while the repair log holds writes still to be copied to
   * `fromStore` (made before a rollback from `write-switch`). Other entries of the service are cleared.
   */
  async start(service: string, fromStore: string, toStore: string): Promise<MigrationState> {
    if (!fromStore)
      throw AppError.invalidInput('MIGRATION.STORE_REQUIRED', 'Name the store to migrate from.', {
        field: 'from',
      });
    if (!toStore)
      throw AppError.invalidInput('MIGRATION.STORE_REQUIRED', 'Name the store to migrate to.', {
        field: 'to',
      });
    if (fromStore === toStore) {
      throw AppError.invalidInput(
        'MIGRATION.SAME_STORE',
        `${service} cannot migrate from ${fromStore} to itself.`,
        {
          field: 'to',
        },
      );
    }
    return this.#db.transaction(async (tx) => {
      const previous = await lockRow(tx, service);
      if (previous && RUNNING.includes(previous.phase)) {
        throw AppError.conflict(
          'MIGRATION.ALREADY_RUNNING',
          `${service} is already migrating from ${previous.from_store} to ${previous.to_store} (phase ${previous.phase}).`,
          { details: { service, phase: previous.phase, epoch: previous.epoch } },
        );
      }
      if (previous) {
        const current = previous.phase === 'idle' ? previous.from_store : previous.to_store;
        if (current !== fromStore) {
          throw AppError.invalidInput(
            'MIGRATION.FROM_STORE_MISMATCH',
            `${service} is on ${current}, not ${fromStore}: migrate from ${current}.`,
            { field: 'from' },
          );
        }
      }
      const now = this.#clock.now();
      const epoch = (previous?.epoch ?? 0) + 1;
      const [row] = await tx.query<MigrationRow>(
        `INSERT INTO ${M} (service, from_store, to_store, phase, epoch, paused, rate, checkpoint, backfill, last_verify, started_at, updated_at)
         VALUES ($1, $2, $3, 'dual-write', $4, false, NULL, $5, $6, NULL, $7, $7)
         ON CONFLICT (service) DO UPDATE SET from_store = excluded.from_store, to_store = excluded.to_store,
           phase = excluded.phase, epoch = excluded.epoch, paused = false, rate = NULL,
           checkpoint = excluded.checkpoint, backfill = excluded.backfill, last_verify = NULL,
           started_at = excluded.started_at, updated_at = excluded.updated_at
         RETURNING ${MIGRATIONS_TABLE.columnList}`,
        [
          service,
          fromStore,
          toStore,
          epoch,
          JSON.stringify(EMPTY_CHECKPOINT),
          JSON.stringify(ZERO_COUNTS),
          now,
        ],
      );
      // Entries left by an earlier attempt name copies to another to store, except those to the store
      // the service is on: writes made to the other store before a rollback from write-switch that
      // have not reached it yet (a new start would lose them).
      const [owed] = await tx.query<{ n: number }>(
        `SELECT count(*) AS n FROM ${R} WHERE service = $1 AND target_store = $2`,
        [service, fromStore],
      );
      if (owed!.n > 0) {
        throw AppError.conflict(
          'MIGRATION.REPAIRS_PENDING',
          `${service} cannot start a migration yet: ${owed!.n} writes made before the rollback have not reached ${fromStore} (roll back again to retry them).`,
          { details: { service, repairs: owed!.n } },
        );
      }
      await tx.query(`DELETE FROM ${R} WHERE service = $1`, [service]);
      await this.#recordChange(tx, row!, previous?.phase ?? 'idle');
      return stateOf(row!);
    });
  }

  /**
   * Moves the service's migration to the phase after `expectedPhase` (compare-and-set): a 409
   * `MIGRATION.PHASE_CHANGED` when it is no longer in `expectedPhase` (another operator moved it);
   * `idle` is left with `start`, `finished` with `cleanup`, and nothing follows `cleanup`
   * (409 `MIGRATION.NO_NEXT_PHASE`). `write-switch → finished` is refused (409
   * `MIGRATION.REPAIRS_PENDING`) while the repair log holds writes still to be copied to the to store.
   */
  async advance(service: string, expectedPhase: Phase): Promise<MigrationState> {
    return this.#db.transaction(async (tx) => {
      const row = await lockRow(tx, service);
      if (!row) throw notFound(service);
      if (row.phase !== expectedPhase) throw phaseChanged(service, expectedPhase, row.phase);
      const next = nextPhase(row.phase);
      if (row.phase === 'idle' || row.phase === 'finished' || !next) {
        const how =
          row.phase === 'idle' ? 'start a migration' : row.phase === 'finished' ? 'run cleanup' : 'nothing';
        throw AppError.conflict(
          'MIGRATION.NO_NEXT_PHASE',
          `${service} cannot advance from ${row.phase}: ${how}.`,
          {
            details: { service, phase: row.phase },
          },
        );
      }
      if (row.phase === 'write-switch') {
        // A write made before the switch whose copy to the to store failed: finishing would leave the
        // to store, the only one from now on, without it.
        const [owed] = await tx.query<{ n: number }>(
          `SELECT count(*) AS n FROM ${R} WHERE service = $1 AND target_store = $2`,
          [service, row.to_store],
        );
        if (owed!.n > 0) {
          throw AppError.conflict(
            'MIGRATION.REPAIRS_PENDING',
            `${service} cannot finish while ${owed!.n} writes made to ${row.from_store} have not reached ${row.to_store}: retry the repair log first.`,
            { details: { service, repairs: owed!.n } },
          );
        }
      }
      return this.#move(tx, row, next);
    });
  }

  /**
   * Takes the service back to `idle` on its from store, from any phase before `finished`
   * (`canRollBack`); a 409 `MIGRATION.CANNOT_ROLL_BACK` otherwise. The row keeps the stores and the
   * history; the to store's copy stays until a new start overwrites it, and the repair log's copies
   * to the abandoned to store are cleared (entries to the from store stay). From `write-switch` the
   * log's entries are writes one store missed: a 409 `MIGRATION.REPAIRS_PENDING` while it holds any
   * (retry them first).
   */
  async rollback(service: string): Promise<MigrationState> {
    return this.#db.transaction(async (tx) => {
      const row = await lockRow(tx, service);
      if (!row) throw notFound(service);
      if (!canRollBack(row.phase)) {
        throw AppError.conflict(
          'MIGRATION.CANNOT_ROLL_BACK',
          `${service} cannot roll back from ${row.phase}: only a migration before finished can.`,
          { details: { service, phase: row.phase } },
        );
      }
      if (row.phase === 'write-switch') {
        const [pending] = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${R} WHERE service = $1`, [
          service,
        ]);
        if (pending!.n > 0) {
          throw AppError.conflict(
            'MIGRATION.REPAIRS_PENDING',
            `${service} cannot roll back yet: ${pending!.n} writes made to ${row.to_store} have not reached ${row.from_store} (retry the repair log first).`,
            { details: { service, repairs: pending!.n } },
          );
        }
      }
      // Copies to the abandoned to store go; copies to the from store (none but a write's that began
      // in write-switch and failed after this) stay with their direction, for the engine to retry.
      await tx.query(`DELETE FROM ${R} WHERE service = $1 AND target_store IS DISTINCT FROM $2`, [
        service,
        row.from_store,
      ]);
      return this.#move(tx, row, 'idle');
    });
  }

  /**
   * Marks the old store's data for deletion: `finished → cleanup`, only from `finished` (a 409
   * `MIGRATION.NOT_FINISHED` otherwise). The caller drops the data (`MigrationSide.drop`).
   */
  async cleanup(service: string): Promise<MigrationState> {
    return this.#db.transaction(async (tx) => {
      const row = await lockRow(tx, service);
      if (!row) throw notFound(service);
      if (row.phase !== 'finished') {
        throw AppError.conflict(
          'MIGRATION.NOT_FINISHED',
          `${service} can be cleaned up only once finished (it is in ${row.phase}).`,
          {
            details: { service, phase: row.phase },
          },
        );
      }
      return this.#move(tx, row, 'cleanup');
    });
  }

  /** Pauses the service's backfill (a running one stops after its batch, resumable). */
  async pause(service: string): Promise<MigrationState> {
    return this.#update(service, 'paused = true', []);
  }

  /** Lets the service's backfill run again. */
  async resume(service: string): Promise<MigrationState> {
    return this.#update(service, 'paused = false', []);
  }

  /** Throttles the backfill to `rate` records per second (a positive integer), or lifts the throttle (undefined). */
  async setRate(service: string, rate: number | undefined): Promise<MigrationState> {
    if (rate !== undefined && !(Number.isInteger(rate) && rate > 0)) {
      throw AppError.invalidInput(
        'MIGRATION.INVALID_RATE',
        'The rate is a positive whole number of records per second.',
        {
          field: 'rate',
        },
      );
    }
    return this.#update(service, 'rate = $2', [rate ?? null]);
  }

  /**
   * Saves the backfill's checkpoint and adds a batch's counts, only while the service is in
   * `backfill` (and, when `epoch` is given, still in that epoch): a 409 `MIGRATION.PHASE_CHANGED`
   * otherwise, which stops a backfill overtaken by a rollback, even one followed by a new start.
   * With `lease`, only while that holder still holds the service's backfill lease, which the same
   * statement renews: a 409 `MIGRATION.BACKFILL_RUNNING` once another process took it over (this
   * holder's lease expired), so two backfills never both advance the checkpoint.
   */
  async saveCheckpoint(
    service: string,
    checkpoint: BackfillCheckpoint,
    add: BackfillCounts = ZERO_COUNTS,
    epoch?: number,
    lease?: BackfillLeaseHolder,
  ): Promise<MigrationState> {
    const rows = await this.#db.query<MigrationRow>(
      `WITH lease AS (
         UPDATE ${L} SET expires_at = now() + make_interval(secs => $8::double precision / 1000)
         WHERE service = $1 AND holder = $7::text RETURNING holder)
       UPDATE ${M} SET checkpoint = $2,
         backfill = jsonb_build_object('copied', (backfill->>'copied')::bigint + $3, 'skipped', (backfill->>'skipped')::bigint + $4),
         updated_at = $5
       WHERE service = $1 AND phase = 'backfill' AND ($6::integer IS NULL OR epoch = $6::integer)
         AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM lease))
       RETURNING ${MIGRATIONS_TABLE.columnList}`,
      [
        service,
        JSON.stringify(checkpoint),
        add.copied,
        add.skipped,
        this.#clock.now(),
        epoch ?? null,
        lease?.holder ?? null,
        lease?.ttlMs ?? 0,
      ],
    );
    if (rows[0]) return stateOf(rows[0]);
    const state = await this.require(service);
    if (lease && state.phase === 'backfill' && (epoch === undefined || state.epoch === epoch)) {
      throw backfillRunning(service, await this.backfillLease(service), lease.holder);
    }
    throw phaseChanged(service, 'backfill', state.phase);
  }

  /**
   * Takes the service's backfill lease for `holder` for `ttlMs` (database time): granted when no one
   * holds it, when `holder` does already (a renewal), or when the last holder's lease expired (it
   * died, e.g. `kill -9`, and cannot renew). Otherwise a 409 `MIGRATION.BACKFILL_RUNNING` naming the
   * holder and when its lease expires. One statement, so two processes racing get one winner.
   */
  async acquireBackfillLease(service: string, holder: string, ttlMs: number): Promise<BackfillLease> {
    const [row] = await this.#db.query<MigrationBackfillLeaseRow>(
      `INSERT INTO ${L} AS lease (service, holder, acquired_at, expires_at)
       VALUES ($1, $2, now(), now() + make_interval(secs => $3::double precision / 1000))
       ON CONFLICT (service) DO UPDATE SET holder = excluded.holder,
         acquired_at = CASE WHEN lease.holder = excluded.holder THEN lease.acquired_at ELSE excluded.acquired_at END,
         expires_at = excluded.expires_at
       WHERE lease.holder = excluded.holder OR lease.expires_at < now()
       RETURNING ${MIGRATION_BACKFILL_LEASES_TABLE.columnList}`,
      [service, holder, ttlMs],
    );
    if (row) return leaseOf(row);
    throw backfillRunning(service, await this.backfillLease(service), holder);
  }

  /** Extends `holder`'s lease by `ttlMs` from now; false when it no longer holds it (taken over). */
  async renewBackfillLease(service: string, holder: string, ttlMs: number): Promise<boolean> {
    const rows = await this.#db.query<{ holder: string }>(
      `UPDATE ${L} SET expires_at = now() + make_interval(secs => $3::double precision / 1000)
       WHERE service = $1 AND holder = $2 RETURNING holder`,
      [service, holder, ttlMs],
    );
    return rows.length > 0;
  }

  /** Gives the lease up (the run ended), if `holder` still holds it. */
  async releaseBackfillLease(service: string, holder: string): Promise<void> {
    await this.#db.query(`DELETE FROM ${L} WHERE service = $1 AND holder = $2`, [service, holder]);
  }

  /** The service's backfill lease as stored (possibly expired), or undefined when none is held. */
  async backfillLease(service: string): Promise<BackfillLease | undefined> {
    const [row] = await this.#db.query<MigrationBackfillLeaseRow>(
      `SELECT ${MIGRATION_BACKFILL_LEASES_TABLE.columnList} FROM ${L} WHERE service = $1`,
      [service],
    );
    return row && leaseOf(row);
  }

  /**
   * Records a verify pass, tagged with the phase and epoch it ran in: those given (the engine passes
   * the ones the pass began in, so a pass overtaken by a phase change does not count for the new
   * phase), else the migration's current ones.
   */
  async recordVerify(
    service: string,
    report: VerifyReport,
    ranIn?: { phase: Phase; epoch: number },
  ): Promise<MigrationState> {
    const now = this.#clock.now();
    const rows = await this.#db.query<MigrationRow>(
      `UPDATE ${M} SET last_verify = jsonb_build_object('phase', coalesce($5::text, phase), 'epoch', coalesce($6::integer, epoch), 'at', $3::text) || $2::jsonb,
         updated_at = $4
       WHERE service = $1 RETURNING ${MIGRATIONS_TABLE.columnList}`,
      [service, JSON.stringify(report), now.toISOString(), now, ranIn?.phase ?? null, ranIn?.epoch ?? null],
    );
    if (!rows[0]) throw notFound(service);
    return stateOf(rows[0]);
  }

  /**
   * Records that `processId` serves `service` and has applied `epoch` (0 before any migration).
   * Times are the database's, so every process and the engine judge liveness by one clock.
   */
  async heartbeat(service: string, processId: string, epoch: number): Promise<void> {
    await this.#db.query(
      `INSERT INTO ${P} (service, process_id, epoch, seen_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (service, process_id) DO UPDATE SET epoch = excluded.epoch, seen_at = excluded.seen_at`,
      [service, processId, epoch],
    );
  }

  /** Forgets a process (it stopped cleanly), so the engine no longer waits for it. */
  async leave(service: string, processId: string): Promise<void> {
    await this.#db.query(`DELETE FROM ${P} WHERE service = $1 AND process_id = $2`, [service, processId]);
  }

  /** The processes of `service` that heartbeat within the last `aliveWithinMs` (database time), by id. */
  async members(service: string, aliveWithinMs: number): Promise<Member[]> {
    const rows = await this.#db.query<MigrationMemberRow>(
      `SELECT ${MIGRATION_MEMBERS_TABLE.columnList} FROM ${P}
       WHERE service = $1 AND seen_at > now() - make_interval(secs => $2::double precision / 1000)
       ORDER BY process_id`,
      [service, aliveWithinMs],
    );
    return rows.map((row) => ({ processId: row.process_id, epoch: row.epoch, seenAt: row.seen_at }));
  }

  /** The live members of `service` that have not yet applied `epoch` (empty when every one has). */
  async membersBehind(service: string, epoch: number, aliveWithinMs: number): Promise<Member[]> {
    return (await this.members(service, aliveWithinMs)).filter((member) => member.epoch < epoch);
  }

  /** Whether every live member of `service` has applied `epoch`. */
  async allAcknowledged(service: string, epoch: number, aliveWithinMs: number): Promise<boolean> {
    return (await this.membersBehind(service, epoch, aliveWithinMs)).length === 0;
  }

  async #update(service: string, set: string, params: unknown[]): Promise<MigrationState> {
    const rows = await this.#db.query<MigrationRow>(
      `UPDATE ${M} SET ${set}, updated_at = $${params.length + 2} WHERE service = $1 RETURNING ${MIGRATIONS_TABLE.columnList}`,
      [service, ...params, this.#clock.now()],
    );
    if (!rows[0]) throw notFound(service);
    return stateOf(rows[0]);
  }

  async #move(tx: SqlExecutor, row: MigrationRow, to: Phase): Promise<MigrationState> {
    const [moved] = await tx.query<MigrationRow>(
      `UPDATE ${M} SET phase = $2, epoch = epoch + 1, paused = false, updated_at = $3 WHERE service = $1
       RETURNING ${MIGRATIONS_TABLE.columnList}`,
      [row.service, to, this.#clock.now()],
    );
    await this.#recordChange(tx, moved!, row.phase);
    return stateOf(moved!);
  }

  /** The history row and the outbox event of a change to `row` (already updated) from `fromPhase`. */
  async #recordChange(tx: SqlExecutor, row: MigrationRow, fromPhase: Phase): Promise<void> {
    await tx.query(
      `INSERT INTO ${H} (service, from_store, to_store, from_phase, to_phase, epoch, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.service, row.from_store, row.to_store, fromPhase, row.phase, row.epoch, row.updated_at],
    );
    const event: EventEnvelope<PhaseChangedData> = createEvent<PhaseChangedData>(
      PLATFORM_SCHEMA,
      {
        type: PHASE_CHANGED,
        aggregateType: 'migration',
        aggregateId: row.service,
        data: {
          service: row.service,
          from: row.from_store,
          to: row.to_store,
          fromPhase,
          toPhase: row.phase,
          epoch: row.epoch,
        },
      },
      this.#clock,
    );
    await appendToOutbox(tx, PLATFORM_SCHEMA, [event]);
  }
}

async function lockRow(tx: SqlExecutor, service: string): Promise<MigrationRow | undefined> {
  const [row] = await tx.query<MigrationRow>(
    `SELECT ${MIGRATIONS_TABLE.columnList} FROM ${M} WHERE service = $1 FOR UPDATE`,
    [service],
  );
  return row;
}

function stateOf(row: MigrationRow): MigrationState {
  return {
    service: row.service,
    fromStore: row.from_store,
    toStore: row.to_store,
    phase: row.phase,
    epoch: row.epoch,
    paused: row.paused,
    rate: row.rate ?? undefined,
    checkpoint: row.checkpoint,
    backfill: { copied: Number(row.backfill.copied), skipped: Number(row.backfill.skipped) },
    lastVerify: (row.last_verify ?? undefined) as VerifyRecord | undefined,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
  };
}

function leaseOf(row: MigrationBackfillLeaseRow): BackfillLease {
  return {
    service: row.service,
    holder: row.holder,
    acquiredAt: row.acquired_at,
    expiresAt: row.expires_at,
  };
}

function backfillRunning(service: string, lease: BackfillLease | undefined, holder: string): AppError {
  const by = lease ? `${lease.holder}, its lease until ${lease.expiresAt.toISOString()}` : 'another process';
  return AppError.conflict(
    'MIGRATION.BACKFILL_RUNNING',
    `A backfill of ${service} is already running (${by}); wait for it, or, if that process died, until its lease expires.`,
    {
      details: {
        service,
        holder: lease?.holder ?? null,
        expiresAt: lease?.expiresAt.toISOString() ?? null,
        refused: holder,
      },
    },
  );
}

function notFound(service: string): AppError {
  return AppError.notFound('MIGRATION.NOT_FOUND', `No migration of ${service} was started.`, {
    field: 'service',
  });
}

function phaseChanged(service: string, expected: Phase, actual: Phase): AppError {
  return AppError.conflict(
    'MIGRATION.PHASE_CHANGED',
    `${service} is in ${actual}, not ${expected}: another change came first; look again before retrying.`,
    { details: { service, expected, actual } },
  );
}
