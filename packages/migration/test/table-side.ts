import type { SqlDatabase } from '@polyshop/stores';
import type { PostgresTarget } from '@polyshop/testing';
import { MigrationStateStore } from '../src/migration-state.ts';
import type { MigrationRecord, MigrationSide, UpsertOptions } from '../src/migration-side.ts';

/** The body of a test record: a name, a price as a decimal string and a set of tags. */
export interface ItemBody {
  name: string;
  price: string;
  tags: string[];
}

/**
 * A test store: one table `<schema>.items (kind, key, version, body)` in a PostgreSQL schema, so two
 * schemas of one database are two stores. Implements `MigrationSide` in plain SQL, with the
 * conditional write a real adapter has (`ON CONFLICT … WHERE version < excluded.version`).
 */
export class TableSide implements MigrationSide {
  readonly store: string;
  readonly kinds: readonly string[];
  readonly #db: SqlDatabase;
  readonly #table: string;

  constructor(db: SqlDatabase, schema: string, kinds: readonly string[] = ['categories', 'products']) {
    this.#db = db;
    this.store = schema;
    this.kinds = kinds;
    this.#table = `${schema}.items`;
  }

  /** Creates the schema and its table (empty). */
  async create(): Promise<this> {
    await this.#db.exec(`CREATE SCHEMA IF NOT EXISTS ${this.store};
      CREATE TABLE IF NOT EXISTS ${this.#table} (
        kind text NOT NULL, key text NOT NULL, version integer NOT NULL, body jsonb NOT NULL,
        PRIMARY KEY (kind, key))`);
    return this;
  }

  /** Writes records as the service's repository would (no version check): seeding and live writes. */
  async put(kind: string, records: readonly MigrationRecord[]): Promise<void> {
    await this.upsertIfNewer(kind, records, { force: true });
  }

  async scan(kind: string, after: string | undefined, limit: number): Promise<MigrationRecord[]> {
    return this.#db.query<MigrationRecord>(
      `SELECT key, version, body FROM ${this.#table}
       WHERE kind = $1 AND ($2::text IS NULL OR key COLLATE "C" > $2::text)
       ORDER BY key COLLATE "C" LIMIT $3`,
      [kind, after ?? null, limit],
    );
  }

  async lastKey(kind: string): Promise<string | undefined> {
    const [row] = await this.#db.query<{ key: string }>(
      `SELECT key FROM ${this.#table} WHERE kind = $1 ORDER BY key COLLATE "C" DESC LIMIT 1`,
      [kind],
    );
    return row?.key;
  }

  async read(kind: string, keys: readonly string[]): Promise<MigrationRecord[]> {
    return this.#db.query<MigrationRecord>(
      `SELECT key, version, body FROM ${this.#table} WHERE kind = $1 AND key = ANY($2::text[]) ORDER BY key COLLATE "C"`,
      [kind, [...keys]],
    );
  }

  async upsertIfNewer(
    kind: string,
    records: readonly MigrationRecord[],
    options: UpsertOptions = {},
  ): Promise<string[]> {
    if (records.length === 0) return [];
    const rows = await this.#db.query<{ key: string }>(
      `INSERT INTO ${this.#table} (kind, key, version, body)
       SELECT $1, r.key, r.version, r.body FROM jsonb_to_recordset($2::jsonb) AS r(key text, version integer, body jsonb)
       ON CONFLICT (kind, key) DO UPDATE SET version = excluded.version, body = excluded.body
       WHERE $3 OR items.version < excluded.version
       RETURNING key`,
      [kind, JSON.stringify(records), options.force === true],
    );
    return rows.map((row) => row.key);
  }

  async remove(kind: string, keys: readonly string[]): Promise<void> {
    await this.#db.query(`DELETE FROM ${this.#table} WHERE kind = $1 AND key = ANY($2::text[])`, [
      kind,
      [...keys],
    ]);
  }

  async count(kind: string): Promise<number> {
    const [row] = await this.#db.query<{ n: number }>(
      `SELECT count(*) AS n FROM ${this.#table} WHERE kind = $1`,
      [kind],
    );
    return row!.n;
  }

  canonical(_kind: string, body: unknown): unknown {
    const item = body as ItemBody;
    return { name: item.name, price: item.price, tags: [...item.tags].sort() };
  }

  async drop(): Promise<void> {
    await this.#db.query(`DELETE FROM ${this.#table}`);
  }

  /** Makes every later call fail for real: the table is gone. */
  async breakTable(): Promise<void> {
    await this.#db.query(`DROP TABLE ${this.#table}`);
  }
}

/** `count` records of `kind` with keys `<prefix>0001`…, version 1, priced from 1.00. */
export function records(count: number, prefix = 'k', version = 1): MigrationRecord[] {
  return Array.from({ length: count }, (_, i) =>
    record(`${prefix}${String(i + 1).padStart(4, '0')}`, version),
  );
}

/** One record; `name` defaults to the key. */
export function record(key: string, version = 1, name = key): MigrationRecord {
  return { key, version, body: { name, price: `${version}.00`, tags: ['b', 'a'] } satisfies ItemBody };
}

/** A fresh database of `target` with the migration state tables, and the state store over it. */
export async function openStateDatabase(
  target: PostgresTarget,
): Promise<{ db: SqlDatabase; state: MigrationStateStore }> {
  const db = await target.open();
  await MigrationStateStore.migrate(db);
  return { db, state: new MigrationStateStore(db) };
}
