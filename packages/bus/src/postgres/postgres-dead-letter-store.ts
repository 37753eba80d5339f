import type { DeadLetterRow, SqlDatabase } from '@polyshop/stores';
import type { DeadLetter, DeadLetterFilter, DeadLetterStore, NewDeadLetter } from '../dead-letter-store.ts';

type Row = Omit<DeadLetterRow, 'event_id'>;

const COLUMNS = 'id, consumer, envelope, error, attempts, failed_at, replayed_at';
/** Ids are `bigserial`; anything else cannot be one of ours. */
const ID = /^[1-9][0-9]{0,17}$/;

function toDeadLetter(row: Row): DeadLetter {
  return {
    id: String(row.id),
    consumer: row.consumer,
    event: row.envelope,
    error: row.error,
    attempts: row.attempts,
    failedAt: row.failed_at,
    replayedAt: row.replayed_at ?? undefined,
  };
}

/**
 * Dead letters in `<schema>.dead_letters` (created by `migrate` with the messaging tables). The
 * platform keeps its own in the `platform` schema.
 */
export class PostgresDeadLetterStore implements DeadLetterStore {
  readonly #db: SqlDatabase;
  readonly #table: string;

  constructor(db: SqlDatabase, schema: string) {
    this.#db = db;
    this.#table = `${schema}.dead_letters`;
  }

  async record(letter: NewDeadLetter): Promise<DeadLetter> {
    const [row] = await this.#db.query<Row>(
      `INSERT INTO ${this.#table} AS d (consumer, event_id, envelope, error, attempts) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (consumer, event_id) DO UPDATE
         SET error = excluded.error, attempts = d.attempts + excluded.attempts, failed_at = now(), replayed_at = NULL
       RETURNING ${COLUMNS}`,
      [letter.consumer, letter.event.id, JSON.stringify(letter.event), letter.error, letter.attempts],
    );
    return toDeadLetter(row!);
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    const rows = await this.#db.query<Row>(
      `SELECT ${COLUMNS} FROM ${this.#table}
       WHERE ($1::text IS NULL OR consumer = $1) AND ($2::boolean IS NULL OR (replayed_at IS NULL) = $2)
       ORDER BY failed_at DESC, id DESC LIMIT $3`,
      [filter.consumer ?? null, filter.pending ?? null, filter.limit ?? 100],
    );
    return rows.map(toDeadLetter);
  }

  async find(id: string): Promise<DeadLetter | undefined> {
    if (!ID.test(id)) return undefined;
    const [row] = await this.#db.query<Row>(`SELECT ${COLUMNS} FROM ${this.#table} WHERE id = $1`, [id]);
    return row && toDeadLetter(row);
  }

  async markReplayed(id: string, at: Date): Promise<DeadLetter | undefined> {
    if (!ID.test(id)) return undefined;
    const [row] = await this.#db.query<Row>(
      `UPDATE ${this.#table} SET replayed_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, at],
    );
    return row && toDeadLetter(row);
  }
}
