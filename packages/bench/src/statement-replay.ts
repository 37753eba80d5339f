import { randomBytes, randomUUID } from 'node:crypto';
import { beginStatement, type SqlDatabase } from '@polyshop/stores';
import type { RecordedStatement, RecordedUnit } from './statement-recorder.ts';

/**
 * The ids a request makes up: UUIDs, and 32 hex digits on their own (a UUID without its dashes, as in
 * the sandbox gateway's `sbx_ch_…` transaction ids). Longer hex runs (fingerprints, hashes) are left.
 */
const ID =
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])/gi;

const isUuid = (id: string) => id.length === 36;

/** The pgbench variable that makes each replay's ids its own (`\set` at the top of the script). */
const REPLAY_VARIABLE = 'polyshop_replay';

/** Replaces every id in `value` (strings, arrays of them) through `fresh`, the same id the same way. */
function withFreshIds(value: unknown, fresh: (id: string) => string): unknown {
  if (typeof value === 'string') return value.replace(ID, (id) => fresh(id.toLowerCase()));
  if (Array.isArray(value)) return value.map((item) => withFreshIds(item, fresh));
  return value;
}

/**
 * The earliest time a parameter of `units` holds: a replay moves every recorded time by the same
 * amount, so that it lands at the replay's start. Recorded as they were, a saga step's lease expiry
 * is in the past a few rounds later, and the orders recovery worker takes the replayed order over
 * mid-replay (its capture then collided with the replay's own: pgbench aborted on a duplicate key).
 */
function earliestTime(units: readonly RecordedUnit[]): number {
  let earliest = Infinity;
  for (const unit of units)
    for (const statement of unit.statements)
      for (const param of statement.params)
        if (param instanceof Date) earliest = Math.min(earliest, param.getTime());
  return earliest;
}

/**
 * The recorded units again with new ids and times moved to now (see `earliestTime`): each id the recording holds (order, payment, event,
 * lease, idempotency key, gateway transaction) becomes a new one of its form, consistently, so that a replay inserts new rows and its
 * later statements find them, as the request did.
 */
export function freshUnits(units: readonly RecordedUnit[]): RecordedUnit[] {
  const ids = new Map<string, string>();
  const fresh = (id: string) => {
    let replacement = ids.get(id);
    if (!replacement)
      ids.set(id, (replacement = isUuid(id) ? randomUUID() : randomBytes(16).toString('hex')));
    return replacement;
  };
  const shift = Date.now() - earliestTime(units);
  return units.map((unit) => ({
    ...unit,
    statements: unit.statements.map((s) => ({
      ...s,
      params: s.params.map((param) =>
        param instanceof Date ? new Date(param.getTime() + shift) : withFreshIds(param, fresh),
      ),
    })),
  }));
}

/** Replays `units` on `db` as they ran: transactions as transactions, statements on their own alone. */
export async function replayUnits(db: SqlDatabase, units: readonly RecordedUnit[]): Promise<void> {
  for (const unit of units) {
    if (!unit.transaction) {
      const [statement] = unit.statements;
      if (statement) await db.query(statement.text, statement.params);
      continue;
    }
    await db.transaction(
      async (tx) => {
        for (const statement of unit.statements) await tx.query(statement.text, statement.params);
      },
      unit.isolation ? { isolation: unit.isolation } : {},
    );
  }
}

/** The types PostgreSQL infers for a statement's parameters (`PREPARE`, `pg_prepared_statements`). */
async function parameterTypes(db: SqlDatabase, text: string): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query(`PREPARE polyshop_bench_probe AS ${text}`);
    const [row] = await tx.query<{ types: string[] }>(
      `SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = 'polyshop_bench_probe'`,
    );
    await tx.query('DEALLOCATE polyshop_bench_probe');
    // A parameter's type carries no length: `character` would mean char(1) and cut 'USD' to 'U'.
    return (row?.types ?? []).map((type) => (type === 'character' ? 'bpchar' : type));
  });
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** A parameter's text form, as node-postgres sends it. */
function parameterText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const items = value.map((item) =>
      item === null || item === undefined ? 'NULL' : `"${parameterText(item).replace(/(["\\])/g, '\\$1')}"`,
    );
    return `{${items.join(',')}}`;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${value}`;
  return JSON.stringify(value);
}

/**
 * A parameter as an SQL expression of its type whose ids are new on every run of the script: the
 * n-th distinct id of the recording becomes `md5(:polyshop_replay || '-n')`, cast to `uuid` and back
 * to text when it was a UUID; a time becomes `now()` plus its distance from the recording's earliest.
 */
function literal(value: unknown, type: string, idNumber: (id: string) => number, earliest: number): string {
  if (value === null || value === undefined) return `NULL::${type}`;
  if (value instanceof Date && /^timestamp/.test(type))
    return `(now() + interval '${value.getTime() - earliest} milliseconds')::${type}`;
  const text = parameterText(value);
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(ID)) {
    parts.push(quote(text.slice(last, match.index)));
    const id = match[0].toLowerCase();
    parts.push(`md5(:${REPLAY_VARIABLE} || '-${idNumber(id)}')${isUuid(id) ? '::uuid::text' : ''}`);
    last = match.index + match[0].length;
  }
  if (parts.length === 0) return `${quote(text)}::${type}`;
  parts.push(quote(text.slice(last)));
  return `(${parts.join(' || ')})::${type}`;
}

function inline(
  statement: RecordedStatement,
  types: readonly string[],
  idNumber: (id: string) => number,
  earliest: number,
) {
  return statement.text.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    return literal(statement.params[index], types[index] ?? 'text', idNumber, earliest);
  });
}

/**
 * `units` as a pgbench script (one script run = one request): each statement with its parameters
 * inlined as typed literals, transactions between `BEGIN` and `COMMIT` as they ran, and every id
 * made new per run so that the replay writes new rows like the request did.
 */
export async function pgbenchScript(db: SqlDatabase, units: readonly RecordedUnit[]): Promise<string> {
  const numbers = new Map<string, number>();
  const idNumber = (id: string) => {
    if (!numbers.has(id)) numbers.set(id, numbers.size + 1);
    return numbers.get(id)!;
  };
  const types = new Map<string, string[]>();
  const earliest = earliestTime(units);
  const lines = [`\\set ${REPLAY_VARIABLE} random(1, 9000000000000000000)`];
  for (const unit of units) {
    if (unit.transaction)
      lines.push(`${beginStatement(unit.isolation ? { isolation: unit.isolation } : undefined)};`);
    for (const statement of unit.statements) {
      if (!types.has(statement.text)) {
        types.set(statement.text, statement.params.length ? await parameterTypes(db, statement.text) : []);
      }
      lines.push(`${inline(statement, types.get(statement.text)!, idNumber, earliest)};`);
    }
    if (unit.transaction) lines.push('COMMIT;');
  }
  return `${lines.join('\n')}\n`;
}
