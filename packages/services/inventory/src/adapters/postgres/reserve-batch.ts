import type { EventEnvelope } from '@polyshop/kernel';
import { appendToOutbox, type SqlExecutor } from '@polyshop/stores';
import type { NewReservation, ReservationItem, StockShortage } from '../../domain/reservation.ts';
import { countsOf, type StockChange } from '../../domain/stock-level.ts';
import type { ReserveOutcome, WriteContext } from '../../ports/inventory-repository.ts';
import type { ReservationRow, StockRow } from './inventory-tables.ts';
import {
  RESERVATION_COLUMNS,
  STOCK_COLUMNS,
  toReservation,
  toStockLevel,
} from './postgres-inventory-rows.ts';
import { RaceDetected, RollbackWith } from './run-transaction.ts';

/** One caller's reservation in a batch, with its own time and events. */
export interface BatchedReservation {
  reservation: NewReservation;
  context: WriteContext;
}

/** A SKU's state during a batch: what the batch may still hand out, and who took units so far. */
interface SkuLedger {
  /** Units this batch may still give out of this SKU. */
  remaining: number;
  /** Units and requests the optimistic update already took (the whole batch's demand), or 0 when refused. */
  taken: number;
  takenRequests: number;
  /** Units and requests accepted so far, in arrival order. */
  accepted: number;
  acceptedRequests: number;
  /** The row after the optimistic update, or as locked after its refusal; undefined for an unknown SKU. */
  row: StockRow | undefined;
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Reserves a batch of reservations in one transaction, each all-or-nothing, as if they ran one after
 * another in arrival order:
 * 1. every reservation row is inserted in one statement (`ON CONFLICT DO NOTHING`: an id that exists
 *    answers `exists`);
 * 2. per SKU, in SKU order (so batches and multi-SKU writes cannot deadlock), one conditional UPDATE takes
 *    the whole batch's demand; when it does not fit, the row is locked and read instead;
 * 3. only if some SKU was short, units are allocated in arrival order (a request gets all its items or
 *    none), and each SKU's row is corrected to what was accepted, by one more conditional UPDATE;
 * 4. refused requests' rows are deleted, and every accepted request's events go to the outbox in one
 *    statement, with the stock before and after *its* share, so events read as the serial history.
 * Nothing accepted and nothing existing → the transaction rolls back and leaves no trace.
 */
export async function reserveBatch(
  tx: SqlExecutor,
  batch: readonly BatchedReservation[],
): Promise<ReserveOutcome[]> {
  const now = new Date(Math.max(...batch.map((entry) => entry.context.now.getTime())));
  const inserted = await insertReservations(tx, batch);
  const outcomes: (ReserveOutcome | undefined)[] = batch.map(() => undefined);
  const existing = batch.flatMap((entry, i) => (inserted.has(entry.reservation.id) ? [] : [i]));
  if (existing.length > 0) {
    const rows = await tx.query<ReservationRow>(
      `SELECT ${RESERVATION_COLUMNS} FROM inventory.reservations WHERE id = ANY($1::text[])`,
      [existing.map((i) => batch[i]!.reservation.id)],
    );
    const found = new Map(rows.map((row) => [row.id, row]));
    for (const i of existing) {
      const row = found.get(batch[i]!.reservation.id);
      // Inserted and removed by another transaction between our insert and this read: try again.
      if (!row) throw new RaceDetected();
      outcomes[i] = { status: 'exists', reservation: toReservation(row) };
    }
  }
  const fresh = batch.flatMap((_, i) => (outcomes[i] ? [] : [i]));
  const ledgers = await takeDemand(
    tx,
    fresh.map((i) => batch[i]!.reservation.items),
    now,
  );
  const shortages = allocate(
    fresh.map((i) => batch[i]!.reservation.items),
    ledgers,
  );
  await settle(tx, ledgers, now);
  const refused = fresh.filter((_, k) => shortages[k]);
  if (refused.length > 0) {
    await tx.query(`DELETE FROM inventory.reservations WHERE id = ANY($1::text[])`, [
      refused.map((i) => batch[i]!.reservation.id),
    ]);
  }
  const events: EventEnvelope[] = [];
  const running = new Map([...ledgers].map(([sku, ledger]) => [sku, startOf(ledger)]));
  fresh.forEach((i, k) => {
    const short = shortages[k];
    if (short) {
      outcomes[i] = { status: 'insufficient_stock', shortages: short };
      return;
    }
    const { reservation, context } = batch[i]!;
    const changes = reservation.items.map((item) => shareOf(running.get(item.sku)!, item));
    events.push(...(context.events?.(changes) ?? []));
    outcomes[i] = { status: 'reserved', reservation: toReservation(inserted.get(reservation.id)!), changes };
  });
  if (fresh.length === refused.length && existing.length === 0) throw new RollbackWith(outcomes);
  await appendToOutbox(tx, 'inventory', events);
  return outcomes as ReserveOutcome[];
}

/** Reservation rows as `insertFromJson` reads them: one JSON record per new reservation. */
export function reservationRecords(batch: readonly BatchedReservation[]): string {
  return JSON.stringify(
    batch.map(({ reservation, context }) => ({
      id: reservation.id,
      items: reservation.items,
      ttl_seconds: reservation.ttlSeconds,
      expires_at: reservation.expiresAt.toISOString(),
      created_at: context.now.toISOString(),
    })),
  );
}

/**
 * The INSERT of new, active reservation rows from the JSON records of `reservationRecords` in
 * parameter `param`; `guard` as in `outboxInsertFromJson` (a CTE that makes the insert conditional).
 */
export function reservationsInsertFromJson(param: string, guard?: string): string {
  return `INSERT INTO inventory.reservations (id, status, items, ttl_seconds, expires_at, created_at, updated_at)
     SELECT r.id, 'active', r.items, r.ttl_seconds, r.expires_at, r.created_at, r.created_at
     FROM jsonb_to_recordset(${param}::jsonb)
       AS r(id text, items jsonb, ttl_seconds integer, expires_at timestamptz, created_at timestamptz)${guard ? `, ${guard}` : ''}`;
}

/** Inserts every reservation row in one statement; returns the rows actually inserted, by id. */
async function insertReservations(
  tx: SqlExecutor,
  batch: readonly BatchedReservation[],
): Promise<Map<string, ReservationRow>> {
  const rows = await tx.query<ReservationRow>(
    `${reservationsInsertFromJson('$1')} ON CONFLICT (id) DO NOTHING RETURNING ${RESERVATION_COLUMNS}`,
    [reservationRecords(batch)],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * Step 2: per SKU in SKU order, one conditional UPDATE for the whole demand; a refused SKU is locked
 * and read, so the allocation below works on its exact, current availability.
 */
async function takeDemand(
  tx: SqlExecutor,
  requests: readonly (readonly ReservationItem[])[],
  now: Date,
): Promise<Map<string, SkuLedger>> {
  const demand = new Map<string, { units: number; requests: number }>();
  for (const items of requests) {
    for (const item of items) {
      const sum = demand.get(item.sku) ?? { units: 0, requests: 0 };
      demand.set(item.sku, { units: sum.units + item.quantity, requests: sum.requests + 1 });
    }
  }
  const ledgers = new Map<string, SkuLedger>();
  for (const sku of [...demand.keys()].sort(byCodePoint)) {
    const { units, requests: count } = demand.get(sku)!;
    const [row] = await tx.query<StockRow>(
      `UPDATE inventory.stock SET reserved = reserved + $2, version = version + $3, updated_at = $4
       WHERE sku = $1 AND quantity - reserved >= $2 RETURNING ${STOCK_COLUMNS}`,
      [sku, units, count, now],
    );
    if (row) {
      ledgers.set(sku, {
        remaining: units,
        taken: units,
        takenRequests: count,
        accepted: 0,
        acceptedRequests: 0,
        row,
      });
      continue;
    }
    const [locked] = await tx.query<StockRow>(
      `SELECT ${STOCK_COLUMNS} FROM inventory.stock WHERE sku = $1 FOR UPDATE`,
      [sku],
    );
    const remaining = locked ? locked.quantity - locked.reserved : 0;
    ledgers.set(sku, {
      remaining,
      taken: 0,
      takenRequests: 0,
      accepted: 0,
      acceptedRequests: 0,
      row: locked,
    });
  }
  return ledgers;
}

/**
 * Step 3: hands units out in arrival order, each request all its items or none. Returns, per request,
 * its shortages (each short SKU with what was left for it), or undefined when it was accepted.
 */
function allocate(
  requests: readonly (readonly ReservationItem[])[],
  ledgers: Map<string, SkuLedger>,
): (StockShortage[] | undefined)[] {
  return requests.map((items) => {
    const short = items
      .map((item) => ({
        sku: item.sku,
        requested: item.quantity,
        available: ledgers.get(item.sku)!.remaining,
      }))
      .filter((shortage) => shortage.available < shortage.requested);
    if (short.length > 0) return short;
    for (const item of items) {
      const ledger = ledgers.get(item.sku)!;
      ledger.remaining -= item.quantity;
      ledger.accepted += item.quantity;
      ledger.acceptedRequests += 1;
    }
    return undefined;
  });
}

/**
 * Corrects each SKU whose optimistic take differs from what was accepted: gives back refused units, or
 * (for a SKU refused as a whole) takes what its accepted requests need, still as a conditional UPDATE.
 */
async function settle(tx: SqlExecutor, ledgers: Map<string, SkuLedger>, now: Date): Promise<void> {
  for (const [sku, ledger] of [...ledgers].sort(([a], [b]) => byCodePoint(a, b))) {
    if (!ledger.row) continue;
    const units = ledger.accepted - ledger.taken;
    const requests = ledger.acceptedRequests - ledger.takenRequests;
    if (units === 0 && requests === 0) continue;
    const [updated] = await tx.query<StockRow>(
      `UPDATE inventory.stock SET reserved = reserved + $2, version = version + $3, updated_at = $4
       WHERE sku = $1 AND quantity - reserved >= $2 AND reserved + $2 >= 0 RETURNING ${STOCK_COLUMNS}`,
      [sku, units, requests, now],
    );
    if (!updated) throw new RaceDetected();
    ledger.row = updated;
  }
}

/** A SKU's counts before the batch's first accepted request, from its final row. */
export interface Running {
  row: StockRow | undefined;
  reserved: number;
  version: number;
}

function startOf(ledger: SkuLedger): Running {
  const { row } = ledger;
  return {
    row,
    reserved: (row?.reserved ?? 0) - ledger.accepted,
    version: (row?.version ?? 0) - ledger.acceptedRequests,
  };
}

/** One accepted item's share of its SKU's change: the counts before and after it, in arrival order. */
export function shareOf(running: Running, item: ReservationItem): StockChange {
  const row = running.row!;
  const before = countsOf(row.quantity, running.reserved);
  running.reserved += item.quantity;
  running.version += 1;
  const after = {
    ...toStockLevel(row),
    ...countsOf(row.quantity, running.reserved),
    version: running.version,
  };
  return { sku: item.sku, before, after };
}
