import type { SqlExecutor } from '@polyshop/stores';
import type { SigningKeyStore, StoredSigningKey } from '../../ports/signing-key-store.ts';
import { sqlTime } from './sql-values.ts';
import { SIGNING_KEYS_TABLE, type SigningKeyRow } from './users-tables.ts';

/** `SigningKeyStore` on PostgreSQL (`users.signing_keys`). */
export class PostgresSigningKeyStore implements SigningKeyStore {
  readonly #sql: SqlExecutor;
  constructor(sql: SqlExecutor) {
    this.#sql = sql;
  }

  async list(): Promise<StoredSigningKey[]> {
    const rows = await this.#sql.query<SigningKeyRow>(
      `SELECT ${SIGNING_KEYS_TABLE.columnList} FROM users.signing_keys ORDER BY created_at, kid`,
    );
    return rows.map((row) => ({
      kid: row.kid,
      algorithm: row.algorithm,
      privateJwk: row.private_jwk,
      publicJwk: row.public_jwk,
      createdAt: row.created_at,
    }));
  }

  async add(key: StoredSigningKey): Promise<void> {
    await this.#sql.query(
      `INSERT INTO users.signing_keys (kid, algorithm, private_jwk, public_jwk, created_at) VALUES ($1, $2, $3, $4, $5::timestamptz)
       ON CONFLICT (kid) DO NOTHING`,
      [
        key.kid,
        key.algorithm,
        JSON.stringify(key.privateJwk),
        JSON.stringify(key.publicJwk),
        sqlTime(key.createdAt),
      ],
    );
  }
}
