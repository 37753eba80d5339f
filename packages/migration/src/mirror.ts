import { AppError, type Logger } from '@polyshop/kernel';
import { copyKeys } from './copy-keys.ts';
import type { MigrationSide } from './migration-side.ts';
import type { MigrationStateStore } from './migration-state.ts';
import type { RepairDirection } from './repair-log.ts';
import { reasonOf } from './verify.ts';

/** The two stores a `Mirror` keeps in step, and where its failures go. */
export interface MirrorOptions {
  state: MigrationStateStore;
  service: string;
  /** The source of truth: its repository has just written (and its outbox holds the events). */
  primary: MigrationSide;
  /** The other store, kept in step. */
  mirror: MigrationSide;
  /**
   * The stores a failed copy's repair goes from and to, as the migration names them: the primary
   * and the mirror of the write's pinned routing (default: the sides' `store`s). Recorded with each
   * repair entry, so a retry after the source of truth flipped still copies the way this write went.
   */
  direction?: RepairDirection;
  /** Told when even the repair log cannot be written (`copy` then rejects with a 503). */
  logger?: Logger;
  /**
   * Longest a copy may hold the user's write (default 2000 ms): then its keys go to the repair log
   * and `copy` resolves. A store that has gone away can leave a request to it unanswered for as long
   * as its driver waits (MongoDB's: for ever on a connection that died silently). The copy abandoned
   * may still land later; it is by version, so it never overwrites a newer copy.
   */
  timeoutMs?: number;
}

/** The default `MirrorOptions.timeoutMs`. */
export const MIRROR_TIMEOUT_MS = 2000;

/** What one `copy` did. */
export interface MirrorResult {
  /** Keys written to (or removed from) the mirror. */
  copied: string[];
  /** Keys that failed and went to the repair log. */
  failed: string[];
}

/**
 * Keeps the mirror store in step with the primary after each write, during dual-write and after
 * the write switch. A failure of the mirror never fails the user's request: the keys go to the repair
 * log with the reason (`retryRepairs` copies them again, verify shows them), and a copy that takes
 * longer than `timeoutMs` goes there too, so a dead mirror store costs a write at most that long.
 * Only when the repair log cannot be written either (the control store unreachable too) does `copy`
 * reject, with a 503 `MIGRATION.MIRROR_UNRECORDED`: a write on one store that nothing records is not
 * acknowledged.
 */
export class Mirror {
  readonly #options: MirrorOptions;

  constructor(options: MirrorOptions) {
    this.#options = options;
  }

  /**
   * Reads these keys of `kind` from the primary and `upsertIfNewer`s them into the mirror (a copy
   * already newer there is left alone); keys the primary no longer holds are removed from the mirror.
   * Call it after the primary's write committed. Rejects only when the repair log cannot be written.
   */
  async copy(kind: string, keys: readonly string[]): Promise<MirrorResult> {
    const { state, service, primary, mirror, logger } = this.#options;
    const timeoutMs = this.#options.timeoutMs ?? MIRROR_TIMEOUT_MS;
    if (keys.length === 0) return { copied: [], failed: [] };
    const copying = copyKeys(primary, mirror, kind, keys);
    // abandoned after a timeout, it may still fail: nobody waits for it any more
    copying.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the copy to ${mirror.store} did not finish within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      const done = await Promise.race([copying, timeout]);
      return { copied: [...done.written, ...done.removed], failed: [] };
    } catch (error) {
      const reason = reasonOf(error);
      try {
        await state.repairs.add(
          service,
          kind,
          keys,
          reason,
          this.#options.direction ?? { source: primary.store, target: mirror.store },
        );
      } catch (logError) {
        // Acknowledged, this write would be on one store with nothing to say so (the repair log lives
        // in the control store, which this process cannot reach now): a rollback would lose it.
        logger?.error(
          { err: logError, service, kind, keys, reason },
          'mirror write failed and the repair log could not record it',
        );
        throw AppError.unavailable(
          'MIGRATION.MIRROR_UNRECORDED',
          `The write was applied to ${primary.store}, but neither its copy to ${mirror.store} nor the repair log could be written (${reason}). Read the record again before retrying.`,
        );
      }
      return { copied: [], failed: [...keys] };
    } finally {
      clearTimeout(timer);
    }
  }
}
