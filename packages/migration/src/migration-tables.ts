import { defineTable, type Migration } from '@polyshop/stores';
import type { Phase } from './phases.ts';

/** The control store's PostgreSQL schema, shared with the platform's dead letters (and its outbox). */
export const PLATFORM_SCHEMA = 'platform';

/** Where a backfill stands: the last key copied per kind, and the kinds copied to the end. */
export interface BackfillCheckpoint {
  /** Per kind, the last key copied; the next batch scans strictly after it. */
  after: Record<string, string>;
  /**
   * Per kind, the highest key when its copy began (absent: none yet, or an empty kind): the copy
   * ends there, so live creates with higher keys (already dual-written) cannot keep it going.
   */
  until?: Record<string, string | null>;
  /** Kinds copied to the end, in the order they finished. */
  done: string[];
  /** Every kind of the source is done (set by `runBackfill` at its end). */
  completed: boolean;
}

/** How many records a backfill copied, and how many it left because the target held them already. */
export interface BackfillCounts {
  copied: number;
  skipped: number;
}

/** A row of `platform.migrations`: the one migration of a service (the latest, if several ran). */
export interface MigrationRow {
  service: string;
  from_store: string;
  to_store: string;
  phase: Phase;
  epoch: number;
  paused: boolean;
  /** Backfill throttle in records per second; null: as fast as the stores go. */
  rate: number | null;
  checkpoint: BackfillCheckpoint;
  backfill: BackfillCounts;
  /** The last verify pass (`VerifyRecord`), if one ran. */
  last_verify: unknown;
  started_at: Date;
  updated_at: Date;
}

/** A row of `platform.migration_history`: one phase change, rollbacks and restarts included. */
export interface MigrationHistoryRow {
  id: number;
  service: string;
  from_store: string;
  to_store: string;
  from_phase: Phase;
  to_phase: Phase;
  epoch: number;
  changed_at: Date;
}

/** A row of `platform.migration_repairs`: a key whose mirror copy failed and is still to be copied. */
export interface MigrationRepairRow {
  service: string;
  kind: string;
  key: string;
  reason: string;
  attempts: number;
  first_seen_at: Date;
  last_seen_at: Date;
  /**
   * The store the key must be copied from (the source of truth of the write that failed to copy) and
   * the one it must be copied to; null in entries recorded before `migration-0003` (and by callers
   * that name no direction): those are copied from the current primary to the mirror.
   */
  source_store: string | null;
  target_store: string | null;
}

/** A row of `platform.migration_members`: a live process of a service and the epoch it has applied. */
export interface MigrationMemberRow {
  service: string;
  process_id: string;
  epoch: number;
  seen_at: Date;
}

/**
 * A row of `platform.migration_backfill_leases`: which process runs a service's backfill, until when
 * (database time). One row per service; a holder renews it while it copies and deletes it at the end.
 */
export interface MigrationBackfillLeaseRow {
  service: string;
  holder: string;
  acquired_at: Date;
  expires_at: Date;
}

/** `platform.migrations`. */
export const MIGRATIONS_TABLE = defineTable<MigrationRow>()(PLATFORM_SCHEMA, 'migrations', [
  'service',
  'from_store',
  'to_store',
  'phase',
  'epoch',
  'paused',
  'rate',
  'checkpoint',
  'backfill',
  'last_verify',
  'started_at',
  'updated_at',
]);

/** `platform.migration_history`. */
export const MIGRATION_HISTORY_TABLE = defineTable<MigrationHistoryRow>()(
  PLATFORM_SCHEMA,
  'migration_history',
  ['id', 'service', 'from_store', 'to_store', 'from_phase', 'to_phase', 'epoch', 'changed_at'],
);

/** `platform.migration_repairs`. */
export const MIGRATION_REPAIRS_TABLE = defineTable<MigrationRepairRow>()(
  PLATFORM_SCHEMA,
  'migration_repairs',
  [
    'service',
    'kind',
    'key',
    'reason',
    'attempts',
    'first_seen_at',
    'last_seen_at',
    'source_store',
    'target_store',
  ],
);

/** `platform.migration_members`. */
export const MIGRATION_MEMBERS_TABLE = defineTable<MigrationMemberRow>()(
  PLATFORM_SCHEMA,
  'migration_members',
  ['service', 'process_id', 'epoch', 'seen_at'],
);

/** `platform.migration_backfill_leases`. */
export const MIGRATION_BACKFILL_LEASES_TABLE = defineTable<MigrationBackfillLeaseRow>()(
  PLATFORM_SCHEMA,
  'migration_backfill_leases',
  ['service', 'holder', 'acquired_at', 'expires_at'],
);

/** Every table the migration engine adds to the `platform` schema. */
export const MIGRATION_TABLES = [
  MIGRATIONS_TABLE,
  MIGRATION_HISTORY_TABLE,
  MIGRATION_REPAIRS_TABLE,
  MIGRATION_MEMBERS_TABLE,
  MIGRATION_BACKFILL_LEASES_TABLE,
] as const;

/**
 * The engine's migrations of the `platform` schema. Versions carry a `migration-` prefix so they
 * never collide with other migrations of the shared schema (the platform's own start at `0001`).
 */
export const MIGRATION_STATE_MIGRATIONS: Migration[] = [
  {
    version: 'migration-0001',
    name: 'migration_state',
    sql: `
CREATE TABLE platform.migrations (
  service text PRIMARY KEY,
  from_store text NOT NULL,
  to_store text NOT NULL,
  phase text NOT NULL,
  epoch integer NOT NULL,
  paused boolean NOT NULL DEFAULT false,
  rate integer CHECK (rate > 0),
  checkpoint jsonb NOT NULL,
  backfill jsonb NOT NULL,
  last_verify jsonb,
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TABLE platform.migration_history (
  id bigserial PRIMARY KEY,
  service text NOT NULL,
  from_store text NOT NULL,
  to_store text NOT NULL,
  from_phase text NOT NULL,
  to_phase text NOT NULL,
  epoch integer NOT NULL,
  changed_at timestamptz NOT NULL
);
CREATE INDEX migration_history_service ON platform.migration_history (service, id);
CREATE TABLE platform.migration_repairs (
  service text NOT NULL,
  kind text NOT NULL,
  key text NOT NULL,
  reason text NOT NULL,
  attempts integer NOT NULL,
  first_seen_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  PRIMARY KEY (service, kind, key)
);
CREATE TABLE platform.migration_members (
  service text NOT NULL,
  process_id text NOT NULL,
  epoch integer NOT NULL,
  seen_at timestamptz NOT NULL,
  PRIMARY KEY (service, process_id)
);`,
  },
  {
    // A table of its own (not a column of platform.migrations): databases made by migration-0001 get
    // it on their next start, and the rows and queries of platform.migrations stay as they were.
    version: 'migration-0002',
    name: 'migration_backfill_leases',
    sql: `
CREATE TABLE platform.migration_backfill_leases (
  service text PRIMARY KEY,
  holder text NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);`,
  },
  {
    // The direction of each repair: a retry after the source of truth flipped (write-switch, or a
    // rollback from it) must still copy from the store the write went to first. Existing entries keep
    // null (no direction): they are copied from the current primary, as before.
    version: 'migration-0003',
    name: 'migration_repair_direction',
    sql: `
ALTER TABLE platform.migration_repairs ADD COLUMN source_store text, ADD COLUMN target_store text;
ALTER TABLE platform.migration_repairs ADD CONSTRAINT migration_repairs_direction
  CHECK ((source_store IS NULL) = (target_store IS NULL));`,
  },
];
