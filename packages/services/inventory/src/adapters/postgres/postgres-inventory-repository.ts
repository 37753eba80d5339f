import { AppError, BatchLanes } from '@polyshop/kernel';
import {
  appendToOutbox,
  isTransientTransactionError,
  isUniqueViolation,
  type SqlDatabase,
  type SqlExecutor,
} from '@polyshop/stores';
import { adjustmentRefusal } from '../../domain/adjustment-refusal.ts';
import { belowReserved, skuNotFound } from '../../domain/inventory-errors.ts';
import { MAX_STOCK_QUANTITY } from '../../domain/limits.ts';
import { sortItems, type NewReservation, type Reservation } from '../../domain/reservation.ts';
import {
  countsBefore,
  countsOf,
  type AdjustmentKind,
  type StockAdjustment,
  type StockChange,
  type StockLevel,
} from '../../domain/stock-level.ts';
import type {
  AdjustmentInput,
  InventoryRepository,
  ReservationTransition,
  ReserveOutcome,
  ReturnInput,
  SetQuantityInput,
  WriteContext,
} from '../../ports/inventory-repository.ts';
import {
  ADJUSTMENT_COLUMNS,
  RESERVATION_COLUMNS,
  STOCK_COLUMNS,
  toAdjustment,
  toReservation,
  toStockLevel,
} from './postgres-inventory-rows.ts';
import type { AdjustmentRow, ReservationRow, StockRow } from './inventory-tables.ts';
import { KnownStockRows } from './known-stock-rows.ts';
import { reserveBatch, type BatchedReservation } from './reserve-batch.ts';
import { reserveOnKnownStock } from './reserve-known-stock.ts';
import { RaceDetected, runTransaction } from './run-transaction.ts';
import type { StockContention } from '../../ports/stock-contention.ts';

/** The PostgreSQL schema the inventory service owns. */
export const INVENTORY_SCHEMA = 'inventory';

export interface PostgresInventoryRepositoryOptions {
  /** Attempts per write after deadlocks, serialization failures or detected races. Default 5. */
  maxAttempts?: number;
  /** Most concurrent reservations of the same SKUs coalesced into one transaction. Default 256. */
  maxReservationBatch?: number;
  /** Called before a write is retried after a deadlock or serialization failure. */
  onTransientRetry?: (error: unknown, attempt: number) => void;
  /** Told of conflicts, retries and the time reservations waited in their lane (metrics). */
  contention?: StockContention;
}

/**
 * How a reservation's end moves each of its SKUs (quantity and reserved drop by the item quantity, or
 * reserved only).
 */
interface Transition {
  to: 'committed' | 'released' | 'expired';
  /** Extra condition on the reservation row; `$2` is the time of the write. */
  when: string;
  /** Whether on-hand quantity leaves too (commit) or only the hold is lifted (release, expiry). */
  stockLeaves: boolean;
}

const COMMIT: Transition = { to: 'committed', when: 'expires_at > $2', stockLeaves: true };
const RELEASE: Transition = { to: 'released', when: 'true', stockLeaves: false };
const EXPIRE: Transition = { to: 'expired', when: 'expires_at <= $2', stockLeaves: false };

/**
 * `InventoryRepository` on PostgreSQL (PGlite or a server), schema `inventory`. Every stock change is
 * one conditional `UPDATE … WHERE` that either applies or matches no row; multi-SKU writes issue them
 * in SKU order inside one transaction, so two writers always lock shared SKUs in the same order and
 * cannot deadlock. Events from `WriteContext.events` go to the outbox in the same transaction.
 */
export class PostgresInventoryRepository implements InventoryRepository {
  readonly #db: SqlDatabase;
  readonly #options: PostgresInventoryRepositoryOptions;

  readonly #lanes: BatchLanes<BatchedReservation, ReserveOutcome>;
  /** Rows as this process last wrote them: when a batch's SKU is known, it is one statement. */
  readonly #known = new KnownStockRows();

  constructor(db: SqlDatabase, options: PostgresInventoryRepositoryOptions = {}) {
    this.#db = db;
    this.#options = options;
    this.#lanes = new BatchLanes({
      keyOf: ({ reservation }) => reservation.items.map((item) => item.sku).join('\n'),
      idOf: ({ reservation }) => reservation.id,
      runBatch: (batch) => this.#reserveBatch(batch),
      maxBatch: options.maxReservationBatch ?? 256,
      ...(options.contention ? { started: waitedIn(options.contention) } : {}),
    });
  }

  async findStock(sku: string): Promise<StockLevel | undefined> {
    const [row] = await this.#db.query<StockRow>(
      `SELECT ${STOCK_COLUMNS} FROM inventory.stock WHERE sku = $1`,
      [sku],
    );
    return row && toStockLevel(row);
  }

  async findStocks(skus: readonly string[]): Promise<StockLevel[]> {
    if (skus.length === 0) return [];
    const rows = await this.#db.query<StockRow>(
      `SELECT ${STOCK_COLUMNS} FROM inventory.stock WHERE sku = ANY($1::text[])`,
      [[...new Set(skus)]],
    );
    return rows.map(toStockLevel).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  }

  async setQuantity(input: SetQuantityInput, context: WriteContext): Promise<StockChange> {
    return this.#run(async (tx) => {
      const [created] = await tx.query<StockRow>(
        `INSERT INTO inventory.stock (sku, quantity, reserved, version, updated_at) VALUES ($1, $2, 0, 1, $3)
         ON CONFLICT (sku) DO NOTHING RETURNING ${STOCK_COLUMNS}`,
        [input.sku, input.quantity, context.now],
      );
      let change: StockChange;
      if (created) {
        change = { sku: input.sku, before: undefined, after: toStockLevel(created) };
      } else {
        // The previous quantity is needed for the history's delta and the low-stock crossing; the row
        // lock keeps it current until the conditional write below.
        const [locked] = await tx.query<StockRow>(
          `SELECT ${STOCK_COLUMNS} FROM inventory.stock WHERE sku = $1 FOR UPDATE`,
          [input.sku],
        );
        const [updated] = await tx.query<StockRow>(
          `UPDATE inventory.stock SET quantity = $2, version = version + 1, updated_at = $3
           WHERE sku = $1 AND reserved <= $2 RETURNING ${STOCK_COLUMNS}`,
          [input.sku, input.quantity, context.now],
        );
        if (!updated) throw belowReserved(input.sku, locked!.quantity, locked!.reserved, 'quantity');
        change = {
          sku: input.sku,
          before: countsOf(locked!.quantity, locked!.reserved),
          after: toStockLevel(updated),
        };
      }
      const delta = change.after.quantity - (change.before?.quantity ?? 0);
      await this.#history(tx, 'set', { ...input, delta }, change.after, context.now);
      await this.#record(tx, context, [change]);
      return change;
    }).then((change) => this.#remember(change));
  }

  async adjust(input: AdjustmentInput, context: WriteContext): Promise<StockChange> {
    return this.#run(async (tx) => {
      const [updated] = await tx.query<StockRow>(
        `UPDATE inventory.stock SET quantity = quantity + $2, version = version + 1, updated_at = $3
         WHERE sku = $1 AND quantity + $2 >= reserved AND quantity + $2 <= ${MAX_STOCK_QUANTITY}
         RETURNING ${STOCK_COLUMNS}`,
        [input.sku, input.delta, context.now],
      );
      if (!updated) throw await this.#whyAdjustRefused(tx, input.sku, input.delta, 'delta');
      const after = toStockLevel(updated);
      const change: StockChange = { sku: input.sku, before: countsBefore(after, input.delta, 0), after };
      await this.#history(tx, 'adjust', input, after, context.now);
      await this.#record(tx, context, [change]);
      return change;
    }).then((change) => this.#remember(change));
  }

  /**
   * Newest first by the stock version each entry's write made (as DynamoDB sorts them), not by row id:
   * entries copied from DynamoDB by a migration are inserted in whatever order the copies land.
   */
  async listAdjustments(sku: string, limit: number): Promise<StockAdjustment[]> {
    const rows = await this.#db.query<AdjustmentRow>(
      `SELECT ${ADJUSTMENT_COLUMNS} FROM inventory.adjustments WHERE sku = $1
       ORDER BY stock_version DESC LIMIT $2`,
      [sku, limit],
    );
    return rows.map(toAdjustment);
  }

  /** Coalesced: concurrent reservations of the same SKUs share one transaction (see `reserveBatch`). */
  reserve(reservation: NewReservation, context: WriteContext): Promise<ReserveOutcome> {
    return this.#lanes.submit({
      reservation: { ...reservation, items: sortItems(reservation.items) },
      context,
    });
  }

  async commitReservation(id: string, context: WriteContext): Promise<ReservationTransition | undefined> {
    return this.#run(
      async (tx) =>
        (await this.#end(tx, id, COMMIT, context)) ??
        (await this.#end(tx, id, EXPIRE, context)) ??
        unchanged(tx, id),
    ).then((transition) => this.#remember(transition));
  }

  async releaseReservation(id: string, context: WriteContext): Promise<ReservationTransition | undefined> {
    return this.#run(async (tx) => (await this.#end(tx, id, RELEASE, context)) ?? unchanged(tx, id)).then(
      (transition) => this.#remember(transition),
    );
  }

  async expireReservation(id: string, context: WriteContext): Promise<ReservationTransition | undefined> {
    return this.#run(async (tx) => (await this.#end(tx, id, EXPIRE, context)) ?? unchanged(tx, id)).then(
      (transition) => this.#remember(transition),
    );
  }

  async returnReservation(
    id: string,
    input: ReturnInput,
    context: WriteContext,
  ): Promise<ReservationTransition | undefined> {
    return this.#run(async (tx) => {
      // The reservation row first: a concurrent return waits on its lock, then finds it returned.
      const [row] = await tx.query<ReservationRow>(
        `UPDATE inventory.reservations SET status = 'returned', updated_at = $2
         WHERE id = $1 AND status = 'committed' RETURNING ${RESERVATION_COLUMNS}`,
        [id, context.now],
      );
      if (!row) return unchanged(tx, id);
      const reservation = toReservation(row);
      const changes: StockChange[] = [];
      for (const item of sortItems(reservation.items)) {
        const [stock] = await tx.query<StockRow>(
          `UPDATE inventory.stock SET quantity = quantity + $2, version = version + 1, updated_at = $3
           WHERE sku = $1 AND quantity + $2 <= ${MAX_STOCK_QUANTITY} RETURNING ${STOCK_COLUMNS}`,
          [item.sku, item.quantity, context.now],
        );
        if (!stock) throw await this.#whyAdjustRefused(tx, item.sku, item.quantity, 'id');
        const after = toStockLevel(stock);
        changes.push({ sku: item.sku, before: countsBefore(after, item.quantity, 0), after });
        await this.#history(
          tx,
          'return',
          { ...input, sku: item.sku, delta: item.quantity, reservationId: id },
          after,
          context.now,
        );
      }
      await this.#record(tx, context, changes);
      return { reservation, changes };
    }).then((transition) => this.#remember(transition));
  }

  async findReservation(id: string): Promise<Reservation | undefined> {
    return findReservation(this.#db, id);
  }

  /** Through the partial index of active reservations by expiry, each row's items tested for the SKU. */
  async findActiveReservations(sku: string, limit: number): Promise<Reservation[]> {
    const rows = await this.#db.query<ReservationRow>(
      `SELECT ${RESERVATION_COLUMNS} FROM inventory.reservations
       WHERE status = 'active' AND items @> $1::jsonb ORDER BY expires_at, id LIMIT $2`,
      [JSON.stringify([{ sku }]), limit],
    );
    return rows.map(toReservation);
  }

  async findExpiredReservations(now: Date, limit: number): Promise<string[]> {
    const rows = await this.#db.query<{ id: string }>(
      `SELECT id FROM inventory.reservations WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Ends an active reservation if `transition.when` holds, moving each SKU's counts back with one
   * conditional write per SKU in SKU order. `undefined` when the reservation was not in that state.
   */
  async #end(
    tx: SqlExecutor,
    id: string,
    transition: Transition,
    context: WriteContext,
  ): Promise<ReservationTransition | undefined> {
    const [row] = await tx.query<ReservationRow>(
      `UPDATE inventory.reservations SET status = $3, updated_at = $2
       WHERE id = $1 AND status = 'active' AND ${transition.when} RETURNING ${RESERVATION_COLUMNS}`,
      [id, context.now, transition.to],
    );
    if (!row) return undefined;
    const reservation = toReservation(row);
    const leaves = transition.stockLeaves ? 'quantity = quantity - $2,' : '';
    const changes: StockChange[] = [];
    for (const item of sortItems(reservation.items)) {
      const [stock] = await tx.query<StockRow>(
        `UPDATE inventory.stock SET ${leaves} reserved = reserved - $2, version = version + 1, updated_at = $3
         WHERE sku = $1 AND reserved >= $2 RETURNING ${STOCK_COLUMNS}`,
        [item.sku, item.quantity, context.now],
      );
      if (!stock) {
        throw new AppError(
          'internal',
          'INVENTORY.INVARIANT_BROKEN',
          `Reservation ${id} holds ${item.quantity} × ${item.sku} that are not reserved.`,
        );
      }
      const after = toStockLevel(stock);
      const quantityDelta = transition.stockLeaves ? -item.quantity : 0;
      changes.push({ sku: item.sku, before: countsBefore(after, quantityDelta, -item.quantity), after });
    }
    await this.#record(tx, context, changes);
    return { reservation, changes };
  }

  /** The error for a refused move of `sku`'s quantity by `delta`, from a read made after the refusal. */
  async #whyAdjustRefused(tx: SqlExecutor, sku: string, delta: number, field: string): Promise<Error> {
    const [row] = await tx.query<StockRow>(`SELECT ${STOCK_COLUMNS} FROM inventory.stock WHERE sku = $1`, [
      sku,
    ]);
    if (!row) return skuNotFound(sku);
    return adjustmentRefusal(sku, row, delta, field) ?? new RaceDetected();
  }

  async #history(
    tx: SqlExecutor,
    kind: AdjustmentKind,
    input: Pick<StockAdjustment, 'sku' | 'delta' | 'reason' | 'actor' | 'reservationId'>,
    after: StockLevel,
    now: Date,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO inventory.adjustments (sku, kind, delta, quantity_after, reason, actor, reservation_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        input.sku,
        kind,
        input.delta,
        after.quantity,
        input.reason,
        input.actor ?? null,
        input.reservationId ?? null,
        now,
      ],
    );
  }

  async #record(tx: SqlExecutor, context: WriteContext, changes: readonly StockChange[]): Promise<void> {
    if (changes.length === 0 || !context.events) return;
    await appendToOutbox(tx, INVENTORY_SCHEMA, context.events(changes));
  }

  /**
   * One batch of coalesced reservations: one statement when every request takes one item of a SKU
   * whose row this process knows (`reserveOnKnownStock`), else the general transaction (`reserveBatch`).
   */
  async #reserveBatch(batch: readonly BatchedReservation[]): Promise<ReserveOutcome[]> {
    const sku = batch[0]!.reservation.items[0]!.sku;
    const known = batch.every(({ reservation }) => reservation.items.length === 1)
      ? this.#known.get(sku)
      : undefined;
    let fast: Awaited<ReturnType<typeof reserveOnKnownStock>> = undefined;
    if (known) {
      fast = await reserveOnKnownStock(this.#db, batch, known).catch((error: unknown) => {
        // One of the ids exists (a retried request, or another writer's), or a deadlock: the general path answers.
        if (isUniqueViolation(error) || isTransientTransactionError(error)) return 'refused' as const;
        throw error;
      });
      if (fast && fast !== 'refused') {
        this.#known.set(fast.row);
        return fast.outcomes;
      }
    }
    const outcomes = await this.#run((tx) => reserveBatch(tx, batch));
    // The one statement was refused and no id existed: the row had moved since this process wrote it
    // (or the stock proved short, which the known row did not show: the same thing).
    const refused = fast === 'refused' && !outcomes.some((outcome) => outcome.status === 'exists');
    if (refused && this.#options.contention) {
      this.#options.contention.conflict('stale_row');
      this.#options.contention.retried();
    }
    for (const outcome of outcomes) if (outcome.status === 'reserved') this.#known.remember(outcome.changes);
    return outcomes;
  }

  /** Remembers the stock rows a committed write left (see `KnownStockRows`); returns its result. */
  #remember<T extends StockChange | ReservationTransition | undefined>(result: T): T {
    if (result) this.#known.remember('changes' in result ? result.changes : [result]);
    return result;
  }

  #run<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return runTransaction(this.#db, work, {
      maxAttempts: this.#options.maxAttempts ?? 5,
      onTransientRetry: this.#options.onTransientRetry,
      contention: this.#options.contention,
    });
  }
}

/** Reports each request's wait in a lane, in seconds. */
function waitedIn(contention: StockContention): (waitedMs: readonly number[]) => void {
  return (waitedMs) => {
    for (const ms of waitedMs) contention.waited(ms / 1000);
  };
}

async function findReservation(db: SqlExecutor, id: string): Promise<Reservation | undefined> {
  const [row] = await db.query<ReservationRow>(
    `SELECT ${RESERVATION_COLUMNS} FROM inventory.reservations WHERE id = $1`,
    [id],
  );
  return row && toReservation(row);
}

async function unchanged(tx: SqlExecutor, id: string): Promise<ReservationTransition | undefined> {
  const reservation = await findReservation(tx, id);
  return reservation && { reservation, changes: [] };
}
