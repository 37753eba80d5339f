import Type, { type Static } from 'typebox';
import {
  PHASES,
  type BackfillResult,
  type MigrationState,
  type RepairEntry,
  type VerifyReport,
} from '@polyshop/migration';

/** A phase of a migration, on the wire. */
export const PhaseSchema = Type.Enum(PHASES, {
  description: 'idle → dual-write → backfill → verify → read-switch → write-switch → finished (→ cleanup)',
});

const KindComparisonSchema = Type.Object({
  source: Type.Integer(),
  target: Type.Integer(),
  missing: Type.Integer(),
  extra: Type.Integer(),
  different: Type.Integer(),
});

const ComparedRecordSchema = Type.Object({
  version: Type.Integer(),
  canonical: Type.Unknown({ description: 'the record as compared (canonical JSON)' }),
});

/** A key on which the two stores disagree. */
export const DifferenceSchema = Type.Object({
  kind: Type.String(),
  key: Type.String(),
  type: Type.Union([Type.Literal('missing'), Type.Literal('extra'), Type.Literal('different')]),
  source: Type.Optional(ComparedRecordSchema),
  target: Type.Optional(ComparedRecordSchema),
});

/** What a verify pass found (and repaired). */
export const VerifyReportSchema = Type.Object(
  {
    clean: Type.Boolean(),
    differences: Type.Integer({ description: 'every difference found, all kinds' }),
    kinds: Type.Record(Type.String(), KindComparisonSchema),
    details: Type.Array(DifferenceSchema, { description: 'the first differences, in kind and key order' }),
    repaired: Type.Optional(
      Type.Object({ copied: Type.Integer(), removed: Type.Integer(), failed: Type.Integer() }),
    ),
  },
  { $id: 'MigrationVerifyReport' },
);

/** A recorded verify pass: its report, and the phase and epoch it ran in. */
const VerifyRecordSchema = Type.Object({
  ...VerifyReportSchema.properties,
  phase: PhaseSchema,
  epoch: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
});

/** A key of the repair log: its copy to the other store failed and waits to be made again. */
const RepairLogEntrySchema = Type.Object({
  kind: Type.String(),
  key: Type.String(),
  reason: Type.String({ description: 'why the last copy failed' }),
  attempts: Type.Integer(),
  lastSeenAt: Type.String({ format: 'date-time' }),
});

/** Entries of the repair log a migration's view lists (the count is `repairs`). */
export const REPAIR_LOG_SHOWN = 20;

/** A service's migration as an operator sees it. */
export const MigrationSchema = Type.Object(
  {
    service: Type.String(),
    fromStore: Type.String(),
    toStore: Type.String(),
    phase: PhaseSchema,
    epoch: Type.Integer({ description: 'grows at every phase change; processes acknowledge it' }),
    paused: Type.Boolean({ description: 'the backfill is paused' }),
    rate: Type.Union([Type.Integer(), Type.Null()], { description: 'backfill records/s; null: unthrottled' }),
    backfill: Type.Object({
      copied: Type.Integer(),
      skipped: Type.Integer({ description: 'already in the new store at the same or a newer version' }),
      completed: Type.Boolean(),
      done: Type.Array(Type.String(), { description: 'kinds copied to the end' }),
    }),
    lastVerify: Type.Union([VerifyRecordSchema, Type.Null()]),
    repairs: Type.Integer({ description: 'keys in the repair log (mirror copies still to make)' }),
    repairLog: Type.Array(RepairLogEntrySchema, {
      description: `the repair log's first ${REPAIR_LOG_SHOWN} keys, in kind and key order`,
    }),
    startedAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Migration' },
);

/** What one backfill run did. */
export const BackfillReportSchema = Type.Object(
  {
    copied: Type.Integer({ description: 'records this run wrote to the new store' }),
    skipped: Type.Integer({ description: 'records this run found there already' }),
    completed: Type.Boolean({ description: 'every kind is copied' }),
    stopped: Type.Union([Type.Literal('aborted'), Type.Literal('paused'), Type.Null()]),
  },
  { $id: 'MigrationBackfillReport' },
);

/** The wire form of a migration, with the size of its repair log and its first entries. */
export function toMigrationView(
  state: MigrationState,
  repairs: number,
  repairLog: readonly RepairEntry[],
): Static<typeof MigrationSchema> {
  return {
    service: state.service,
    fromStore: state.fromStore,
    toStore: state.toStore,
    phase: state.phase,
    epoch: state.epoch,
    paused: state.paused,
    rate: state.rate ?? null,
    backfill: {
      copied: state.backfill.copied,
      skipped: state.backfill.skipped,
      completed: state.checkpoint.completed,
      done: state.checkpoint.done,
    },
    lastVerify: state.lastVerify ?? null,
    repairs,
    repairLog: repairLog.map(({ kind, key, reason, attempts, lastSeenAt }) => ({
      kind,
      key,
      reason,
      attempts,
      lastSeenAt: lastSeenAt.toISOString(),
    })),
    startedAt: state.startedAt.toISOString(),
    updatedAt: state.updatedAt.toISOString(),
  };
}

/** The wire form of a backfill run. */
export function toBackfillReport(result: BackfillResult): Static<typeof BackfillReportSchema> {
  return {
    copied: result.copied,
    skipped: result.skipped,
    completed: result.completed,
    stopped: result.stopped ?? null,
  };
}

/** The wire form of a verify pass. */
export function toVerifyReport(report: VerifyReport): Static<typeof VerifyReportSchema> {
  return report;
}
