import type { SqlExecutor } from './sql-database.ts';
import { defineTable } from './table-rows.ts';

/** A row of `<schema>.fingerprint_key`: the one key of the schema's request fingerprints. */
export interface FingerprintKeyRow {
  id: boolean;
  secret: Uint8Array;
  created_at: Date;
}

/** The `fingerprint_key` table of `schema` (for the schema's table list). */
export function fingerprintKeyTable(schema: string) {
  return defineTable<FingerprintKeyRow>()(schema, 'fingerprint_key', ['id', 'secret', 'created_at']);
}

/**
 * The key of a service's request fingerprints (`keyedFingerprint`), read once from its schema's
 * `fingerprint_key` table. The service's migration creates that one row from PostgreSQL's strong
 * random source, so every process and replica of the service, and every restart, uses the same key.
 */
export function fingerprintKeyLoader(db: SqlExecutor, schema: string): () => Promise<Uint8Array> {
  let key: Promise<Uint8Array> | undefined;
  return () => {
    key ??= db
      .query<Pick<FingerprintKeyRow, 'secret'>>(`SELECT secret FROM ${schema}.fingerprint_key`)
      .then(([row]) => {
        if (!row) throw new Error(`${schema}.fingerprint_key has no key: run the migrations`);
        return row.secret;
      });
    key.catch(() => (key = undefined));
    return key;
  };
}
