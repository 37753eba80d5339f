/**
 * Helpers for tests of migration sides (`@polyshop/migration/testing`): every service's sides
 * contract test reads whole kinds and compares canonical forms the same way.
 */
import type { MigrationRecord, MigrationSide } from '../src/migration-side.ts';

/** Every record of `kind` on `side`, in key order, scanned `pageSize` records at a time. */
export async function scanAll(side: MigrationSide, kind: string, pageSize = 3): Promise<MigrationRecord[]> {
  const all: MigrationRecord[] = [];
  for (let after: string | undefined; ;) {
    const page = await side.scan(kind, after, pageSize);
    all.push(...page);
    if (page.length < pageSize) return all;
    after = page.at(-1)!.key;
  }
}

/** Each record as `[key, version, canonical form]` (what two sides holding the same records agree on). */
export const canonicalOf = (side: MigrationSide, kind: string, records: readonly MigrationRecord[]) =>
  records.map((record) => [record.key, record.version, side.canonical(kind, record.body)]);

/** Every record of every kind, as `kind/key → version and canonical form`. */
export async function sideContents(side: MigrationSide, pageSize = 500): Promise<Map<string, unknown>> {
  const records = new Map<string, unknown>();
  for (const kind of side.kinds) {
    for (const record of await scanAll(side, kind, pageSize)) {
      records.set(`${kind}/${record.key}`, {
        version: record.version,
        canonical: side.canonical(kind, record.body),
      });
    }
  }
  return records;
}
