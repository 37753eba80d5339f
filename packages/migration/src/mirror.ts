import type { Logger } from '@polyshop/kernel';
import { copyKeys } from './copy-keys.ts';
import type { MigrationSide } from './migration-side.ts';
import type { MigrationStateStore } from './migration-state.ts';
import { reasonOf } from './verify.ts';

/** The two stores a `Mirror` keeps in step, and where its failures go. */
export interface MirrorOptions {
  state: MigrationStateStore;
  service: string;
  /** The source of truth: its repository has just written (and its outbox holds the events). */
  primary: MigrationSide;
  /** The other store, kept in step. */
  mirror: MigrationSide;
  /** Told when even the repair log cannot be written (the key then shows up in verify). */
  logger?: Logger;
}

/** What one `copy` did. */
export interface MirrorResult {
  /** Keys written to (or removed from) the mirror. */
  copied: string[];
  /** Keys that failed and went to the repair log. */
  failed: string[];
}

/**
 * Keeps the mirror store in step with the primary after each write, during dual-write and after
 * the write switch. A failure of the mirror never fails the user's request: `copy` never throws;
 * the keys go to the repair log with the reason (`retryRepairs` copies them again, verify shows them).
 */
export class Mirror {
  readonly #options: MirrorOptions;

  constructor(options: MirrorOptions) {
    this.#options = options;
  }

  /**
   * Reads these keys of `kind` from the primary and `upsertIfNewer`s them into the mirror (a copy
   * already newer there is left alone); keys the primary no longer holds are removed from the mirror.
   * Call it after the primary's write committed. Resolves, never rejects.
   */
  async copy(kind: string, keys: readonly string[]): Promise<MirrorResult> {
    const { state, service, primary, mirror, logger } = this.#options;
    if (keys.length === 0) return { copied: [], failed: [] };
    try {
      const done = await copyKeys(primary, mirror, kind, keys);
      return { copied: [...done.written, ...done.removed], failed: [] };
    } catch (error) {
      const reason = reasonOf(error);
      try {
        await state.repairs.add(service, kind, keys, reason);
      } catch (logError) {
        logger?.error(
          { err: logError, service, kind, keys, reason },
          'mirror write failed and the repair log could not record it',
        );
      }
      return { copied: [], failed: [...keys] };
    }
  }
}
