import { canonicalDigest, compareCodePoints } from './canonical-digest.ts';
import { copyKeys } from './copy-keys.ts';
import { sleep } from './token-bucket.ts';
import { recordsByKey, type MigrationRecord, type MigrationSide } from './migration-side.ts';
import type { MigrationStateStore } from './migration-state.ts';
import type { RepairDirection, RepairEntry } from './repair-log.ts';

/** How a key differs between the two sides. */
export type DifferenceType = 'missing' | 'extra' | 'different';

/** One side's copy of a record, as compared. */
export interface ComparedRecord {
  version: number;
  /** `MigrationSide.canonical` of the body: what was compared. */
  canonical: unknown;
}

/** A key on which the sides disagree: `missing` in the target, `extra` in the target, or `different`. */
export interface Difference {
  kind: string;
  key: string;
  type: DifferenceType;
  /** Absent for `extra`. */
  source?: ComparedRecord;
  /** Absent for `missing`. */
  target?: ComparedRecord;
}

/** What one kind holds on each side, and how many keys differ, by type. */
export interface KindComparison {
  source: number;
  target: number;
  missing: number;
  extra: number;
  different: number;
}

/** What a repairing pass fixed. */
export interface RepairSummary {
  /** Records copied from the source over the target's copy (missing or different). */
  copied: number;
  /** Records removed from the target (extra, and still absent from the source when repaired). */
  removed: number;
  /** Keys whose repair failed (added to the repair log when one was given). */
  failed: number;
  /**
   * `by-version` repairs: keys left alone because the repair log holds them (its retry copies them);
   * absent when none.
   */
  logged?: number;
}

/** The result of a verify pass. */
export interface VerifyReport {
  /** No difference found (a repairing pass that fixed differences is not clean: verify again). */
  clean: boolean;
  /** Every difference found, all kinds. */
  differences: number;
  kinds: Record<string, KindComparison>;
  /** The first `detailLimit` differences, in kind and key order. */
  details: Difference[];
  /**
   * How many of the differences the repair log holds (their dual-write copy failed and waits for
   * `retryRepairs`, which copies them; read-switch waits until the log is empty). Absent when none,
   * and in a repairing pass (which copies them).
   */
  owed?: number;
  repaired?: RepairSummary;
}

/** Where a verify pass records the keys it could not repair. */
export interface RepairLogTarget {
  state: MigrationStateStore;
  service: string;
  /** The direction recorded with a failed repair (default: the source's store to the target's). */
  direction?: RepairDirection;
}

/**
 * How a repairing pass fixes a difference:
 * - `force` (default): the source's record is copied over the target's whatever their versions, and
 *   the target's extras are removed — while the source is the source of truth and every write went to
 *   it first (up to `read-switch`);
 * - `by-version`: the newer record wins, whichever side holds it (it is written into the other side
 *   with `upsertIfNewer`), the source's wins at equal versions, a target's extra is removed, and keys
 *   the repair log holds are left to it (its entries know which way they go). After the source of
 *   truth flipped (`write-switch`), the old store may still hold the newer copy of a write made before
 *   the flip whose copy failed: forcing the new store over it would lose that write.
 */
export type RepairMode = 'force' | 'by-version';

/** What `verifyStores` compares, in what batches, and whether it repairs. */
export interface VerifyOptions {
  /** The source of truth (its records win a repair). */
  source: MigrationSide;
  target: MigrationSide;
  /** Records per scan, on each side. */
  batchSize: number;
  /** Fix every difference (see `repairMode`). */
  repair?: boolean;
  /** How differences are fixed (default `force`). */
  repairMode?: RepairMode;
  /** When repairing: keys whose repair fails go to this log, and keys repaired leave it. */
  repairLog?: RepairLogTarget;
  /** How many differences the report details (default 100); all are counted. */
  detailLimit?: number;
  /**
   * How often a difference is read again before it counts (default 4), the first time after
   * `pauseMs` (default 25), then twice as long each time, and at least until `withinMs` (default 0)
   * have passed in pauses: a write in flight — committed on the primary, its copy to the mirror not
   * yet — agrees by then and is no difference. A dual-write copy lands or goes to the repair log
   * within the mirror's timeout (`MIRROR_TIMEOUT_MS`): as `withinMs`, no copy under way is counted.
   */
  settle?: { attempts?: number; pauseMs?: number; withinMs?: number };
  /** Told after each record compared on the source side, per kind (for a progress bar). */
  onProgress?: (progress: VerifyProgress) => void;
}

/** How far a verify pass has come in one kind. */
export interface VerifyProgress {
  kind: string;
  /** Records of the source side compared so far in this kind. */
  compared: number;
  /** The source side's records of this kind when the pass began it (`count`). */
  total: number;
  /** Records compared per second since the pass began. */
  rate: number;
}

/**
 * Compares every record of both sides, kind by kind (`source.kinds`): a merge join of the two
 * scans in key order, one batch of each side in memory at a time, comparing the digests of
 * `canonical` forms. With `repair`, each batch's differences are fixed as they are found: the keys
 * are read again from the source (a record may have changed since the scan) and copied over the
 * target with `force`, and keys the source no longer holds are removed from the target.
 *
 * A side with `compareViews` (what users see, beyond the records: a search index's answers to a
 * sample of queries) is asked after the records; its differences are read again the same way and
 * reported under its kind (never repaired directly: repairing the records they derive from does).
 *
 * The stores are compared while the service writes both: a key found different is read again (the
 * source, then the target) a few times with growing pauses (`settle`), and counts only if it still
 * differs, so a write caught between its primary commit and its mirror copy is not reported. Without
 * `repair`, a difference whose key `repairLog`'s log holds (its copy failed) is also counted as
 * `owed`: the log's retry copies it.
 */
export async function verifyStores(options: VerifyOptions): Promise<VerifyReport> {
  const { source, target, batchSize, repair = false, repairLog } = options;
  const byVersion = options.repairMode === 'by-version';
  const detailLimit = options.detailLimit ?? 100;
  const attempts = options.settle?.attempts ?? 4;
  const pauseMs = options.settle?.pauseMs ?? 25;
  const withinMs = options.settle?.withinMs ?? 0;
  const report: VerifyReport = { clean: true, differences: 0, kinds: {}, details: [] };
  const repaired: RepairSummary = { copied: 0, removed: 0, failed: 0 };

  const began = performance.now();
  let comparedInAll = 0;
  for (const kind of source.kinds) {
    const comparison: KindComparison = { source: 0, target: 0, missing: 0, extra: 0, different: 0 };
    report.kinds[kind] = comparison;
    const total = options.onProgress ? await source.count(kind) : 0;
    const progressed = () => {
      comparedInAll += 1;
      if (!options.onProgress || comparison.source % batchSize !== 0) return;
      const seconds = (performance.now() - began) / 1000;
      options.onProgress({
        kind,
        compared: comparison.source,
        total,
        rate: seconds > 0 ? comparedInAll / seconds : 0,
      });
    };
    let pending: string[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      let keys = pending;
      pending = [];
      try {
        // the log's entries for these keys as they are before the copy reads the source
        const logged = repairLog
          ? await repairLog.state.repairs.attempts(repairLog.service, kind, keys)
          : new Map<string, number>();
        if (byVersion) {
          // a logged key is the log's to copy, the way its write went; the others had no entry
          keys = keys.filter((key) => !logged.has(key));
          if (logged.size > 0) repaired.logged = (repaired.logged ?? 0) + logged.size;
          const done = await copyNewer(source, target, kind, keys);
          repaired.copied += done.copied;
          repaired.removed += done.removed;
        } else {
          const done = await copyKeys(source, target, kind, keys, { force: true });
          repaired.copied += done.written.length;
          repaired.removed += done.removed.length;
          // copied over: their entries go, unless a copy failed again since
          await repairLog?.state.repairs.removeCopied(repairLog.service, kind, logged);
        }
      } catch (error) {
        repaired.failed += keys.length;
        if (repairLog) {
          const forward = repairLog.direction ?? { source: source.store, target: target.store };
          // a by-version repair whose newer copy is the target's goes the other way
          const back = new Set(error instanceof NewerInTarget ? error.keys : []);
          const reason = reasonOf(error instanceof NewerInTarget ? error.cause : error);
          const log = repairLog.state.repairs;
          await log.add(
            repairLog.service,
            kind,
            keys.filter((key) => !back.has(key)),
            reason,
            forward,
          );
          await log.add(repairLog.service, kind, [...back], reason, {
            source: forward.target,
            target: forward.source,
          });
        }
      }
    };
    const differ = async (difference: Difference) => {
      comparison[difference.type] += 1;
      report.differences += 1;
      if (report.details.length < detailLimit) report.details.push(difference);
      if (repair) {
        pending.push(difference.key);
        if (pending.length >= batchSize) await flush();
      }
    };
    const compare = (
      key: string,
      a: MigrationRecord | undefined,
      b: MigrationRecord | undefined,
    ): Difference | undefined => {
      if (!a && !b) return undefined;
      if (!b) return { kind, key, type: 'missing', source: compared(source, kind, a!) };
      if (!a) return { kind, key, type: 'extra', target: compared(target, kind, b) };
      const x = compared(source, kind, a);
      const y = compared(target, kind, b);
      if (canonicalDigest(x.canonical) === canonicalDigest(y.canonical)) return undefined;
      return { kind, key, type: 'different', source: x, target: y };
    };
    /** Differences found by the scan, not yet read again (`settle`). */
    let suspects: Difference[] = [];
    const settle = async () => {
      let doubtful = suspects;
      suspects = [];
      for (
        let attempt = 0, waited = 0;
        (attempt < attempts || waited < withinMs) && doubtful.length > 0;
        attempt++
      ) {
        await sleep(pauseMs * 2 ** attempt);
        waited += pauseMs * 2 ** attempt;
        const keys = doubtful.map((difference) => difference.key);
        const sourceRecords = recordsByKey(await source.read(kind, keys));
        const targetRecords = recordsByKey(await target.read(kind, keys));
        doubtful = keys.flatMap((key) => {
          const difference = compare(key, sourceRecords.get(key), targetRecords.get(key));
          return difference ? [difference] : [];
        });
      }
      // a copy that failed is the repair log's to make: still a difference, counted as owed
      const owed =
        repairLog && !repair && doubtful.length > 0
          ? await repairLog.state.repairs.pending(
              repairLog.service,
              kind,
              doubtful.map((difference) => difference.key),
            )
          : new Set<string>();
      if (owed.size > 0) report.owed = (report.owed ?? 0) + owed.size;
      for (const difference of doubtful) await differ(difference);
    };
    const suspect = async (difference: Difference) => {
      suspects.push(difference);
      if (suspects.length >= batchSize) await settle();
    };
    const left = cursor(source, kind, batchSize);
    const right = cursor(target, kind, batchSize);
    let a = await left.next();
    let b = await right.next();
    while (a || b) {
      const order = !a ? 1 : !b ? -1 : compareCodePoints(a.key, b.key);
      if (order < 0) {
        comparison.source += 1;
        progressed();
        await suspect(compare(a!.key, a, undefined)!);
        a = await left.next();
      } else if (order > 0) {
        comparison.target += 1;
        await suspect(compare(b!.key, undefined, b)!);
        b = await right.next();
      } else {
        comparison.source += 1;
        comparison.target += 1;
        progressed();
        const difference = compare(a!.key, a, b);
        if (difference) await suspect(difference);
        a = await left.next();
        b = await right.next();
      }
    }
    await settle();
    await flush();
    const seconds = (performance.now() - began) / 1000;
    options.onProgress?.({
      kind,
      compared: comparison.source,
      total,
      rate: seconds > 0 ? comparedInAll / seconds : 0,
    });
  }
  if (source.compareViews) {
    let views = await source.compareViews(target);
    for (let attempt = 0; attempt < attempts && views.differences.length > 0; attempt++) {
      await sleep(pauseMs * 2 ** attempt);
      views = await source.compareViews(target);
    }
    const comparison: KindComparison = {
      source: views.compared,
      target: views.compared,
      missing: 0,
      extra: 0,
      different: views.differences.length,
    };
    report.kinds[views.kind] = comparison;
    report.differences += views.differences.length;
    for (const view of views.differences) {
      if (report.details.length >= detailLimit) break;
      report.details.push({
        kind: views.kind,
        key: view.key,
        type: 'different',
        source: { version: 0, canonical: view.source },
        target: { version: 0, canonical: view.target },
      });
    }
  }
  report.clean = report.differences === 0;
  if (repair) report.repaired = repaired;
  return report;
}

/**
 * The `by-version` repair of these keys: the newer record of the two sides is written into the other
 * (`upsertIfNewer`), the source's over the target's at equal versions, and a key only the target
 * holds is removed from it.
 */
async function copyNewer(
  source: MigrationSide,
  target: MigrationSide,
  kind: string,
  keys: readonly string[],
): Promise<{ copied: number; removed: number }> {
  if (keys.length === 0) return { copied: 0, removed: 0 };
  const inSource = recordsByKey(await source.read(kind, keys));
  const inTarget = recordsByKey(await target.read(kind, keys));
  const toTarget: MigrationRecord[] = [];
  const toSource: MigrationRecord[] = [];
  const sameVersion: MigrationRecord[] = [];
  const extra: string[] = [];
  for (const key of keys) {
    const a = inSource.get(key);
    const b = inTarget.get(key);
    if (a && (!b || a.version > b.version)) toTarget.push(a);
    else if (a && b && b.version > a.version) toSource.push(b);
    else if (a) sameVersion.push(a);
    else if (b) extra.push(key);
  }
  let copied = 0;
  try {
    if (toTarget.length > 0) copied += (await target.upsertIfNewer(kind, toTarget)).length;
    if (sameVersion.length > 0)
      copied += (await target.upsertIfNewer(kind, sameVersion, { force: true })).length;
    if (toSource.length > 0) copied += (await source.upsertIfNewer(kind, toSource)).length;
    if (extra.length > 0) await target.remove(kind, extra);
  } catch (error) {
    throw new NewerInTarget(
      toSource.map((record) => record.key),
      error,
    );
  }
  return { copied, removed: extra.length };
}

/** A `by-version` repair failed; `keys` had their newer copy in the target (their repair goes target → source). */
class NewerInTarget extends Error {
  readonly keys: string[];

  constructor(keys: string[], cause: unknown) {
    super(reasonOf(cause), { cause });
    this.keys = keys;
  }
}

/** What `retryRepairs` did. */
export interface RetryResult {
  /** Keys tried. */
  retried: number;
  /** Keys copied (or removed) and taken off the log. */
  fixed: number;
  /** Keys that failed again (their attempts grew). */
  failed: number;
}

/**
 * Copies again every key of the service's repair log, each the way its entry says (`direction`: from
 * the store its write went to first to the other one, whichever is the primary now), else (entries
 * recorded without one) from `primary` (the source of truth now) to `mirror`: read by key,
 * `upsertIfNewer` (an equal or newer copy in the target is left alone), removed from the target when
 * the source no longer holds it — as the mirror copy would have done. A direction's stores are found in
 * `stores` (by name), then among `primary` and `mirror` by their `store`; an entry naming a store that
 * is neither fails (it stays, never copied the wrong way). Entries that succeed leave the log; those
 * that fail stay with one more attempt and the new reason. Walks the log in pages of `batchSize`.
 */
export async function retryRepairs(
  state: MigrationStateStore,
  service: string,
  primary: MigrationSide,
  mirror: MigrationSide,
  options: {
    batchSize?: number;
    stores?: Readonly<Record<string, MigrationSide>>;
    /** Only the entries whose direction copies to this store. */
    target?: string;
  } = {},
): Promise<RetryResult> {
  const batchSize = options.batchSize ?? 100;
  const stores: Record<string, MigrationSide> = {
    [mirror.store]: mirror,
    [primary.store]: primary,
    ...options.stores,
  };
  const result: RetryResult = { retried: 0, fixed: 0, failed: 0 };
  let after: { kind: string; key: string } | undefined;
  for (;;) {
    const entries = await state.repairs.list(service, batchSize, after);
    if (entries.length === 0) return result;
    after = entries[entries.length - 1]!;
    const groups = new Map<
      string,
      { kind: string; direction?: RepairDirection; keys: string[]; listed: Map<string, number> }
    >();
    for (const entry of entries) {
      if (options.target !== undefined && entry.direction?.target !== options.target) continue;
      const id = JSON.stringify([entry.kind, entry.direction?.source, entry.direction?.target]);
      const group = groups.get(id) ?? {
        kind: entry.kind,
        ...directionOf(entry),
        keys: [] as string[],
        listed: new Map<string, number>(),
      };
      group.keys.push(entry.key);
      group.listed.set(entry.key, entry.attempts);
      groups.set(id, group);
    }
    for (const { kind, direction, keys, listed } of groups.values()) {
      result.retried += keys.length;
      try {
        const from = direction ? stores[direction.source] : primary;
        const to = direction ? stores[direction.target] : mirror;
        if (!from || !to) {
          const unknown = !from ? direction!.source : direction!.target;
          throw new Error(
            `no side of the store ${unknown} to copy ${direction!.source} → ${direction!.target}`,
          );
        }
        await copyKeys(from, to, kind, keys);
        // a key whose copy failed again while this one ran keeps its entry (and is retried next time)
        await state.repairs.removeCopied(service, kind, listed);
        result.fixed += keys.length;
      } catch (error) {
        await state.repairs.add(service, kind, keys, reasonOf(error), direction);
        result.failed += keys.length;
      }
    }
  }
}

function directionOf(entry: RepairEntry): { direction?: RepairDirection } {
  return entry.direction ? { direction: entry.direction } : {};
}

/** The records of one kind of a side in key order, fetched `batchSize` at a time as they are consumed. */
function cursor(side: MigrationSide, kind: string, batchSize: number) {
  let batch: MigrationRecord[] = [];
  let index = 0;
  let after: string | undefined;
  let exhausted = false;
  return {
    async next(): Promise<MigrationRecord | undefined> {
      if (index >= batch.length) {
        if (exhausted) return undefined;
        batch = await side.scan(kind, after, batchSize);
        index = 0;
        if (batch.length < batchSize) exhausted = true;
        if (batch.length === 0) return undefined;
        after = batch[batch.length - 1]!.key;
      }
      return batch[index++];
    },
  };
}

function compared(side: MigrationSide, kind: string, record: MigrationRecord): ComparedRecord {
  return { version: record.version, canonical: side.canonical(kind, record.body) };
}

/** A failure's message, for the repair log. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
