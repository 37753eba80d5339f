import { randomUUID } from 'node:crypto';
import { AppError } from '@polyshop/kernel';
import { compareCodePoints } from './canonical-digest.ts';
import type { MigrationSide } from './migration-side.ts';
import type { MigrationStateStore } from './migration-state.ts';
import type { BackfillCheckpoint } from './migration-tables.ts';
import { TokenBucket } from './token-bucket.ts';

/** Where a backfill is, after each batch. */
export interface BackfillProgress {
  /** The kind being copied. */
  kind: string;
  /** Records written to the target so far, over every run of this migration. */
  copied: number;
  /** Records left because the target held them at the same or a newer version, over every run. */
  skipped: number;
  /** How many records the source holds, all kinds (an estimate: it changes while users write). */
  total: number;
  /** Records per second in this run so far (copied and skipped). */
  rate: number;
}

/** What `runBackfill` copies, between which stores, and how fast. */
export interface BackfillOptions {
  state: MigrationStateStore;
  service: string;
  /** The old store (the source of truth during backfill). */
  source: MigrationSide;
  /** The new store. */
  target: MigrationSide;
  /** Records per scan and per write. */
  batchSize: number;
  /** Records per second; when absent, the rate saved with the migration (`setRate`), re-read every batch. */
  rate?: number;
  /**
   * Called before every batch with the rate in force; returns the rate to apply to that batch, e.g.
   * half of it while the service's live p99 is above its target (undefined: unthrottled).
   */
  throttle?: (rate: number | undefined) => number | undefined;
  /** Stops the run after the batch in hand; the checkpoint stays where the last saved batch ended. */
  signal?: AbortSignal;
  onProgress?: (progress: BackfillProgress) => void;
  /** Who runs this backfill, in the lease (default: a fresh random id per run). */
  holder?: string;
  /**
   * How long the backfill lease lasts unless renewed (default `DEFAULT_BACKFILL_LEASE_MS`): renewed
   * with every checkpoint and every third of it while waiting; after a crash, another run may take
   * the backfill over this long after the last renewal.
   */
  leaseMs?: number;
}

/** How long a backfill lease lasts unless renewed, by default. */
export const DEFAULT_BACKFILL_LEASE_MS = 30_000;

/** What one run of `runBackfill` did. */
export interface BackfillResult {
  /** Records this run wrote to the target. */
  copied: number;
  /** Records this run found already there at the same or a newer version. */
  skipped: number;
  /** Every kind is copied (false when aborted or paused: run again to resume). */
  completed: boolean;
  /** Why the run stopped before the end, if it did. */
  stopped: 'aborted' | 'paused' | undefined;
  checkpoint: BackfillCheckpoint;
}

/**
 * Copies what the source held before dual-write began into the target, kind by kind in
 * `source.kinds` order and key order within a kind, `batchSize` records at a time, resuming from the
 * checkpoint saved in the state store. Each batch goes through `upsertIfNewer`, so a record that
 * dual-write already put in the target at a newer version is left alone and a batch copied again
 * after a crash writes nothing; the checkpoint is saved after each batch (a crash repeats at most one
 * batch), a kind's end with its last batch. The next page is read while a batch is written. Throttled to `rate` records per second with a token bucket (`throttle` may lower it per
 * batch); re-reads the migration every batch, so a pause stops it and a new rate applies, and
 * `saveCheckpoint` stops it (409) once the migration left `backfill` or its epoch. `signal` stops it
 * between batches, or during a throttle wait.
 *
 * One backfill per service at a time, across processes: the run first takes the service's lease in
 * the state store (409 `MIGRATION.BACKFILL_RUNNING` while another run holds a live one), renews it
 * with each checkpoint and on a timer, and gives it up at its end. A run that lost its lease (it
 * stalled past `leaseMs` and another took over) stops with the same 409 at its next checkpoint or
 * renewal, before it advances the checkpoint.
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillResult> {
  const { state, service } = options;
  const lease = {
    holder: options.holder ?? randomUUID(),
    ttlMs: options.leaseMs ?? DEFAULT_BACKFILL_LEASE_MS,
  };
  await state.require(service);
  await state.acquireBackfillLease(service, lease.holder, lease.ttlMs);
  const lost = new AbortController();
  let renewal: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    renewal = state.renewBackfillLease(service, lease.holder, lease.ttlMs).then(
      (held) => held || lost.abort(),
      () => undefined, // a failed renewal is retried on the next tick; the checkpoint renews too
    );
  }, lease.ttlMs / 3);
  timer.unref?.();
  const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;
  try {
    const result = await copy(options, signal, lease);
    if (lost.signal.aborted) {
      throw AppError.conflict(
        'MIGRATION.BACKFILL_RUNNING',
        `The backfill of ${service} lost its lease to another run; that run goes on from the checkpoint.`,
        { details: { service, holder: lease.holder } },
      );
    }
    return result;
  } finally {
    clearInterval(timer);
    await renewal;
    await state.releaseBackfillLease(service, lease.holder).catch(() => undefined);
  }
}

async function copy(
  options: BackfillOptions,
  signal: AbortSignal,
  lease: { holder: string; ttlMs: number },
): Promise<BackfillResult> {
  const { state, service, source, target, batchSize } = options;
  let migration = await state.require(service);
  const { epoch } = migration;
  const checkpoint: BackfillCheckpoint = structuredClone(migration.checkpoint);
  const rateNow = () => {
    const configured = options.rate ?? migration.rate;
    return options.throttle ? options.throttle(configured) : configured;
  };
  const bucket = new TokenBucket(rateNow());
  // where each kind ends, fixed by the first run (after dual-write began: later writes go to both)
  const until = (checkpoint.until ??= {});
  const ends = source.kinds.filter((kind) => !checkpoint.done.includes(kind) && !(kind in until));
  const [counts, lastKeys] = await Promise.all([
    Promise.all(source.kinds.map((kind) => source.count(kind))),
    Promise.all(ends.map((kind) => source.lastKey(kind))),
  ]);
  const total = counts.reduce((sum, n) => sum + n, 0);
  ends.forEach((kind, i) => (until[kind] = lastKeys[i] ?? null));
  const started = performance.now();
  let copied = 0;
  let skipped = 0;
  const result = (stopped: BackfillResult['stopped']): BackfillResult => ({
    copied,
    skipped,
    completed: stopped === undefined,
    stopped,
    checkpoint,
  });

  /** Marks `kind` copied; the backfill's end too when every kind left is empty. */
  const finish = (kind: string) => {
    checkpoint.done.push(kind);
    const left = source.kinds.filter((other) => !checkpoint.done.includes(other));
    if (left.some((other) => until[other] !== null)) return;
    checkpoint.done.push(...left);
    checkpoint.completed = true;
  };
  let saved = false; // the end, saved with the last batch

  for (const kind of source.kinds) {
    if (checkpoint.done.includes(kind)) continue;
    const end = until[kind] ?? null;
    /** The page after `after`, read while the batch in hand is written and checkpointed. */
    const read = (after: string | undefined) => {
      const page = source.scan(kind, after, batchSize);
      page.catch(() => undefined); // awaited below, unless the run stops first
      return page;
    };
    let next = end === null ? undefined : read(checkpoint.after[kind]);
    while (next) {
      if (signal.aborted) return result('aborted');
      if (migration.paused) return result('paused');
      const scanned = await next;
      const records = scanned.filter((record) => compareCodePoints(record.key, end!) <= 0);
      if (records.length === 0) break;
      const last = records.length < scanned.length || scanned.length < batchSize;
      next = last ? undefined : read(records[records.length - 1]!.key);
      bucket.setRate(rateNow());
      if (!(await bucket.take(records.length, signal))) return result('aborted');
      const written = await target.upsertIfNewer(kind, records);
      checkpoint.after[kind] = records[records.length - 1]!.key;
      if (last) finish(kind); // saved with its last batch
      const batch = { copied: written.length, skipped: records.length - written.length };
      copied += batch.copied;
      skipped += batch.skipped;
      migration = await state.saveCheckpoint(service, checkpoint, batch, epoch, lease);
      saved = checkpoint.completed;
      const seconds = (performance.now() - started) / 1000;
      options.onProgress?.({
        kind,
        copied: migration.backfill.copied,
        skipped: migration.backfill.skipped,
        total,
        rate: seconds > 0 ? (copied + skipped) / seconds : 0,
      });
    }
    // an empty kind, or one whose last page came back empty: saved with the next checkpoint
    if (!checkpoint.done.includes(kind)) finish(kind);
  }
  if (!saved) await state.saveCheckpoint(service, checkpoint, undefined, epoch, lease);
  return result(undefined);
}
