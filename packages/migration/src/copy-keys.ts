import type { MigrationSide, UpsertOptions } from './migration-side.ts';

/** What `copyKeys` did on the receiving side. */
export interface CopiedKeys {
  /** Keys written (newer than the receiving side's copy, or forced). */
  written: string[];
  /** Keys removed because the giving side no longer holds them. */
  removed: string[];
}

/**
 * Makes `to` hold what `from` holds now for these keys of `kind`: reads them from `from`, stores
 * them in `to` with `upsertIfNewer` (`force` overwrites an equal or newer version), and removes from
 * `to` the keys `from` does not have (deleted since). Failures of either side propagate.
 */
export async function copyKeys(
  from: MigrationSide,
  to: MigrationSide,
  kind: string,
  keys: readonly string[],
  options: UpsertOptions = {},
): Promise<CopiedKeys> {
  if (keys.length === 0) return { written: [], removed: [] };
  const records = await from.read(kind, keys);
  const present = new Set(records.map((record) => record.key));
  const removed = [...new Set(keys)].filter((key) => !present.has(key));
  const written = records.length > 0 ? await to.upsertIfNewer(kind, records, options) : [];
  if (removed.length > 0) await to.remove(kind, removed);
  return { written, removed };
}
