import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AppError } from '@polyshop/kernel';
import {
  sortItems,
  type NewReservation,
  type ReservationItem,
  type StockShortage,
} from '../../domain/reservation.ts';
import type { StockChange } from '../../domain/stock-level.ts';
import type {
  ReservationTransition,
  ReserveOutcome,
  ReturnInput,
  WriteContext,
} from '../../ports/inventory-repository.ts';
import {
  expiryAttributes,
  isInCreation,
  reservationKey,
  toReservation,
  type ReservationRecord,
  type StockItem,
} from './dynamo-inventory-items.ts';
import {
  dueAt,
  movedStock,
  newReservationRecord,
  putReservation,
  returnedStock,
  shortagesOf,
  stepsOf,
  updateReservation,
} from './dynamo-reservation-records.ts';
import {
  itemKeyId,
  MAX_TRANSACTION_ACTIONS,
  type DynamoStockWriter,
  type StockTarget,
  type TransactAction,
  type WriteOutcome,
  type WritePlan,
} from './dynamo-stock-writer.ts';

/**
 * How a reservation can end, and what its stock does then: from `active` it is committed (stock
 * leaves), released or expired (the hold is lifted); from `committed` it is returned (stock comes back).
 */
type Ending = 'committed' | 'released' | 'expired' | 'returned';

/** What one step of an ending writes besides the reservation's own update. */
type EndingStep = { actions: TransactAction[]; stock: StockTarget[] } | { refuse: AppError };

/** A step of a multi-transaction operation just committed (tests use it to simulate a crash there). */
export type StepHook = (operation: 'reserve' | 'abort' | Ending, step: number) => void | Promise<void>;

export interface DynamoReservationsOptions {
  documents: DynamoDBDocumentClient;
  tableName: string;
  writer: DynamoStockWriter;
  /**
   * SKUs per transaction. A transaction also carries the reservation and the outbox item, so at most
   * 98 (DynamoDB takes 100 actions); a reservation of more SKUs is made, ended or undone in steps.
   */
  skusPerStep?: number;
  /** How long a reservation may stay half-made or half-ended before the reaper finishes or undoes it. Default 30 s. */
  stepGraceMs?: number;
  afterStep?: StepHook | undefined;
}

/**
 * Reservations on DynamoDB. A reservation of up to `skusPerStep` SKUs is made, and later ended, in one
 * `TransactWriteItems`: the reservation item with its condition (`attribute_not_exists` to create,
 * `status = active` and the expiry to end) and one pinned update per SKU, plus the outbox item.
 *
 * A larger one cannot be atomic in DynamoDB. It is made in steps: the first creates it `pending` (not
 * visible as a reservation), each step moves the stock of its SKUs and advances `progress` on the
 * condition that nobody else moved it; if a later step is short, the steps done are undone (status
 * `aborting`, stock returned, events recorded) and the item deleted, so nothing is reserved. Ending one
 * is decided by its first step (the status changes there) and completed forward by the next steps.
 * A writer that dies half-way leaves the item in the reaper's index at `now + stepGraceMs`: the reaper
 * undoes a half-made reservation and completes a half-ended one.
 *
 * A return is an ending of a committed reservation: the reservation's `status = committed` condition,
 * and per SKU the stock update and its history entry, so a step takes half as many SKUs (49).
 */
export class DynamoReservations {
  readonly #options: DynamoReservationsOptions;
  readonly #skusPerStep: number;

  constructor(options: DynamoReservationsOptions) {
    this.#options = options;
    this.#skusPerStep = options.skusPerStep ?? MAX_TRANSACTION_ACTIONS - 2;
    if (this.#skusPerStep < 1 || this.#skusPerStep > MAX_TRANSACTION_ACTIONS - 2)
      throw new Error(`skusPerStep must be 1…${MAX_TRANSACTION_ACTIONS - 2}`);
  }

  async find(id: string): Promise<ReservationRecord | undefined> {
    const { Item } = await this.#options.documents.send(
      new GetCommand({ TableName: this.#options.tableName, Key: reservationKey(id), ConsistentRead: true }),
    );
    return Item as ReservationRecord | undefined;
  }

  async reserve(reservation: NewReservation, context: WriteContext): Promise<ReserveOutcome> {
    const items = sortItems(reservation.items);
    const steps = stepsOf(items, this.#skusPerStep);
    const record = newReservationRecord(reservation, items, context.now, steps.length, this.#graceMs);
    if (steps.length > 1) {
      // every SKU is checked before the first step, so a shortage known now changes nothing
      const { stock, others } = await this.#options.writer.read(
        items.map((item) => item.sku),
        [reservationKey(reservation.id)],
      );
      const existing = others.get(itemKeyId(reservationKey(reservation.id))) as ReservationRecord | undefined;
      if (existing) return existingOutcome(existing);
      const shortages = shortagesOf(items, stock);
      if (shortages.length > 0) return { status: 'insufficient_stock', shortages };
    }
    const first = await this.#options.writer.write<ReserveOutcome>({
      skus: steps[0]!.map((item) => item.sku),
      read: [reservationKey(reservation.id)],
      context,
      plan: ({ stock, others }) => {
        const existing = others.get(itemKeyId(reservationKey(reservation.id))) as
          ReservationRecord | undefined;
        if (existing) return { refuse: existingOutcome(existing) };
        const shortages = shortagesOf(steps[0]!, stock);
        if (shortages.length > 0) return { refuse: { status: 'insufficient_stock', shortages } };
        return {
          actions: [putReservation(this.#options.tableName, record)],
          stock: movedStock(steps[0]!, stock, 1),
        };
      },
    });
    if (first.status === 'refused') return first.result;
    if (first.status === 'condition_failed')
      return existingOutcome(first.item as unknown as ReservationRecord);
    await this.#options.afterStep?.('reserve', 1);
    const changes = [...first.changes];
    for (let step = 2; step <= steps.length; step++) {
      const last = step === steps.length;
      const outcome = await this.#step<StockShortage[]>(
        reservation.id,
        steps[step - 1]!,
        context,
        (now) => now?.status === 'pending' && now.progress === step - 1,
        (stock) => {
          const shortages = shortagesOf(steps[step - 1]!, stock);
          if (shortages.length > 0) return { refuse: shortages };
          const update = last
            ? {
                set: { status: 'active', ...expiryAttributes(reservation.id, reservation.expiresAt) },
                remove: ['progress'],
              }
            : { set: { progress: step } };
          const action = updateReservation(this.#options.tableName, reservation.id, {
            condition: '#s = :pending AND #p = :previous',
            values: { ':pending': 'pending', ':previous': step - 1 },
            ...update,
          });
          return { actions: [action], stock: movedStock(steps[step - 1]!, stock, 1) };
        },
      );
      if (
        outcome.status === 'condition_failed' ||
        (outcome.status === 'refused' && isMoved(outcome.result))
      ) {
        // the reaper took the half-made reservation for abandoned and undid it
        throw AppError.unavailable(
          'INVENTORY.RESERVATION_ABORTED',
          `Reservation ${reservation.id} took too long to make and was undone; retry it.`,
          {
            field: 'reservationId',
          },
        );
      }
      if (outcome.status === 'refused') {
        await this.#abort({ ...record, progress: step - 1 }, context);
        const later = steps.slice(step).flat();
        const { stock } =
          later.length > 0
            ? await this.#options.writer.read(later.map((item) => item.sku))
            : { stock: new Map() };
        return {
          status: 'insufficient_stock',
          shortages: [...(outcome.result as StockShortage[]), ...shortagesOf(later, stock)],
        };
      }
      changes.push(...outcome.changes);
      await this.#options.afterStep?.('reserve', step);
    }
    return { status: 'reserved', reservation: toReservation({ ...record, status: 'active' }), changes };
  }

  /**
   * Ends a reservation as `wanted` allows: a commit of an active reservation past its expiry expires it
   * instead; an expiry before the time changes nothing. Half-ended reservations are completed first,
   * half-made ones are undone once their grace period is over (expiry only). `undefined` when unknown.
   */
  async end(
    id: string,
    wanted: 'commit' | 'release' | 'expire',
    context: WriteContext,
  ): Promise<ReservationTransition | undefined> {
    for (;;) {
      const record = await this.find(id);
      if (!record) return undefined;
      if (isInCreation(record)) {
        const due = dueAt(record);
        if (wanted === 'expire' && due && due <= context.now) await this.#abort(record, context);
        return undefined;
      }
      if (record.progress !== undefined) {
        const changes = await this.#completeEnding(record, context);
        return { reservation: toReservation(record), changes };
      }
      if (record.status !== 'active') return { reservation: toReservation(record), changes: [] };
      const expired = new Date(record.expiresAt) <= context.now;
      if (wanted === 'expire' && !expired) return { reservation: toReservation(record), changes: [] };
      const ending: Ending = wanted === 'release' ? 'released' : expired ? 'expired' : 'committed';
      const ended = await this.#startEnding(record, ending, context);
      if (ended) return ended;
      // the reservation changed between the read and the write (another end won): look again
    }
  }

  /**
   * Returns a committed reservation's stock (see `InventoryRepository.returnReservation`): an ending
   * from `committed`, decided by its first step. An ending of any kind left half-way is completed
   * first. A return of several steps checks every SKU before the first one, so a SKU that would
   * exceed the maximum refuses it while nothing has changed.
   */
  async returnStock(
    id: string,
    input: ReturnInput,
    context: WriteContext,
  ): Promise<ReservationTransition | undefined> {
    const helped: StockChange[] = [];
    for (;;) {
      const record = await this.find(id);
      if (!record || isInCreation(record)) return undefined;
      if (record.progress !== undefined) {
        helped.push(...(await this.#completeEnding(record, context)));
        continue;
      }
      if (record.status !== 'committed') return { reservation: toReservation(record), changes: helped };
      const returning: ReservationRecord = {
        ...record,
        returnReason: input.reason,
        ...(input.actor ? { returnActor: input.actor } : {}),
      };
      if (stepsOf(record.items, this.#stepSize('returned')).length > 1) {
        const { stock } = await this.#options.writer.read(record.items.map((item) => item.sku));
        const check = returnedStock(
          this.#options.tableName,
          returning,
          record.items,
          stock,
          context.now.toISOString(),
        );
        if ('refuse' in check) throw check.refuse;
      }
      const returned = await this.#startEnding(returning, 'returned', context);
      if (returned) return { reservation: returned.reservation, changes: [...helped, ...returned.changes] };
    }
  }

  /** The first step of an ending; `undefined` when the reservation was no longer in the state read. */
  async #startEnding(
    record: ReservationRecord,
    ending: Ending,
    context: WriteContext,
  ): Promise<ReservationTransition | undefined> {
    const steps = stepsOf(record.items, this.#stepSize(ending));
    const multi = steps.length > 1;
    const now = context.now.toISOString();
    const from = ending === 'returned' ? 'committed' : 'active';
    const expiry = ending === 'committed' ? ' AND #e > :now' : ending === 'expired' ? ' AND #e <= :now' : '';
    // a return keeps its reason on the reservation: later steps (perhaps the reaper's) write it into the history
    const why =
      ending === 'returned'
        ? {
            ...(record.returnReason ? { returnReason: record.returnReason } : {}),
            ...(record.returnActor ? { returnActor: record.returnActor } : {}),
          }
        : {};
    const decide = updateReservation(this.#options.tableName, record.id, {
      condition: `#s = :from AND attribute_not_exists(#p)${expiry}`,
      values: { ':from': from, ':now': now },
      // a multi-step ending stays in the reaper's index until its last step, in case this writer dies
      set: {
        status: ending,
        updatedAt: now,
        ...why,
        ...(multi
          ? { progress: 1, ...expiryAttributes(record.id, new Date(context.now.getTime() + this.#graceMs)) }
          : {}),
      },
      ...(multi ? {} : { remove: ['expiryShard', 'expiryKey'] }),
    });
    const outcome = await this.#step(
      record.id,
      steps[0]!,
      context,
      (current) => current?.status === from && current.progress === undefined,
      (stock) => withAction(decide, this.#endingStep(record, ending, steps[0]!, stock, now)),
    );
    if (outcome.status === 'refused' && outcome.result instanceof AppError) throw outcome.result;
    if (outcome.status !== 'written') return undefined;
    await this.#options.afterStep?.(ending, 1);
    const ended: ReservationRecord = {
      ...record,
      status: ending,
      updatedAt: now,
      ...(multi ? { progress: 1 } : {}),
    };
    const changes = [...outcome.changes, ...(multi ? await this.#completeEnding(ended, context) : [])];
    return { reservation: toReservation(ended), changes };
  }

  /**
   * Moves the stock of the steps of an ending not done yet (any caller may help; each step is conditional on
   * `progress`).
   */
  async #completeEnding(record: ReservationRecord, context: WriteContext): Promise<StockChange[]> {
    const ending = record.status as Ending;
    const steps = stepsOf(record.items, this.#stepSize(ending));
    const now = context.now.toISOString();
    const changes: StockChange[] = [];
    let done = record.progress;
    while (done !== undefined && done < steps.length) {
      const step = done + 1;
      const last = step === steps.length;
      const previous = done;
      const advance = updateReservation(this.#options.tableName, record.id, {
        condition: '#s = :ending AND #p = :previous',
        values: { ':ending': ending, ':previous': previous },
        ...(last
          ? { set: {}, remove: ['progress', 'expiryShard', 'expiryKey'] }
          : { set: { progress: step } }),
      });
      const outcome = await this.#step(
        record.id,
        steps[step - 1]!,
        context,
        (current) => current?.status === ending && current.progress === previous,
        (stock) => withAction(advance, this.#endingStep(record, ending, steps[step - 1]!, stock, now)),
      );
      // a SKU of a return that filled up since the first step: the return stays half-done (the next call or
      // the reaper finishes it once there is room)
      if (outcome.status === 'refused' && outcome.result instanceof AppError) throw outcome.result;
      if (outcome.status === 'written') {
        changes.push(...outcome.changes);
        await this.#options.afterStep?.(ending, step);
        done = last ? undefined : step;
      } else {
        // someone else did this step: carry on from where the record now stands
        done = recordAfter(outcome)?.progress;
      }
    }
    return changes;
  }

  /** Undoes the steps of a half-made reservation, last first, then deletes it (nothing stays reserved). */
  async #abort(record: ReservationRecord, context: WriteContext): Promise<StockChange[]> {
    const steps = stepsOf(record.items, this.#skusPerStep);
    const changes: StockChange[] = [];
    let current: ReservationRecord | undefined = record;
    while (current && (current.progress ?? 0) > 0) {
      const step: number = current.progress!;
      const outcome = await this.#step(
        record.id,
        steps[step - 1]!,
        context,
        (now) => now !== undefined && isInCreation(now) && now.progress === step,
        (stock) => ({
          actions: [
            updateReservation(this.#options.tableName, record.id, {
              condition: '#s IN (:pending, :aborting) AND #p = :step',
              values: { ':pending': 'pending', ':aborting': 'aborting', ':step': step },
              set: { status: 'aborting', progress: step - 1 },
            }),
          ],
          stock: movedStock(steps[step - 1]!, stock, -1),
        }),
      );
      if (outcome.status === 'written') {
        changes.push(...outcome.changes);
        await this.#options.afterStep?.('abort', step);
        current = { ...current, status: 'aborting', progress: step - 1 };
      } else {
        const now = recordAfter(outcome);
        current = now && isInCreation(now) ? now : undefined;
      }
    }
    if (current) await this.#deleteUndone(record.id);
    return changes;
  }

  /**
   * One step's write, planned only while the reservation record (read with the stock) stands as
   * `expected` says; otherwise refused with `{ moved }` and the record as it now is, so a plan never
   * moves stock for a step someone else already did.
   */
  #step<R>(
    id: string,
    items: readonly ReservationItem[],
    context: WriteContext,
    expected: (record: ReservationRecord | undefined) => boolean,
    plan: (stock: ReadonlyMap<string, StockItem>) => WritePlan<R>,
  ): Promise<WriteOutcome<R | Moved>> {
    const key = reservationKey(id);
    return this.#options.writer.write<R | Moved>({
      skus: items.map((item) => item.sku),
      read: [key],
      context,
      plan: ({ stock, others }) => {
        const record = others.get(itemKeyId(key)) as unknown as ReservationRecord | undefined;
        return expected(record) ? plan(stock) : { refuse: { moved: record } };
      },
    });
  }

  async #deleteUndone(id: string): Promise<void> {
    try {
      await this.#options.documents.send(
        new DeleteCommand({
          TableName: this.#options.tableName,
          Key: reservationKey(id),
          ConditionExpression: '#s IN (:pending, :aborting) AND #p = :zero',
          ExpressionAttributeNames: { '#s': 'status', '#p': 'progress' },
          ExpressionAttributeValues: { ':pending': 'pending', ':aborting': 'aborting', ':zero': 0 },
        }),
      );
    } catch (error) {
      // another reaper deleted it first
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** What one step of `ending` writes for `items`: the stock moves, and for a return each SKU's history entry. */
  #endingStep(
    record: ReservationRecord,
    ending: Ending,
    items: readonly ReservationItem[],
    stock: ReadonlyMap<string, StockItem>,
    at: string,
  ): EndingStep {
    if (ending === 'returned') return returnedStock(this.#options.tableName, record, items, stock, at);
    return { actions: [], stock: movedStock(items, stock, -1, ending === 'committed') };
  }

  /** SKUs per step of `ending`: a return writes two items per SKU (stock and history entry). */
  #stepSize(ending: Ending): number {
    return ending === 'returned'
      ? Math.min(this.#skusPerStep, Math.floor((MAX_TRANSACTION_ACTIONS - 2) / 2))
      : this.#skusPerStep;
  }

  get #graceMs(): number {
    return this.#options.stepGraceMs ?? 30_000;
  }
}

/** The step's plan with the reservation's own update first (its condition decides the step). */
function withAction(action: TransactAction, step: EndingStep): WritePlan<AppError> {
  return 'refuse' in step ? step : { actions: [action, ...step.actions], stock: step.stock };
}

function existingOutcome(record: ReservationRecord): ReserveOutcome {
  if (isInCreation(record)) {
    throw AppError.conflict(
      'INVENTORY.RESERVATION_IN_PROGRESS',
      `Reservation ${record.id} is still being made by another request; retry it.`,
      {
        field: 'reservationId',
      },
    );
  }
  return { status: 'exists', reservation: toReservation(record) };
}

/** A step refused because the reservation was no longer where the step expected it. */
interface Moved {
  moved: ReservationRecord | undefined;
}

function isMoved(value: unknown): value is Moved {
  return typeof value === 'object' && value !== null && 'moved' in value;
}

/** The reservation record as a refused or cancelled step found it. */
function recordAfter(outcome: WriteOutcome<unknown>): ReservationRecord | undefined {
  if (outcome.status === 'condition_failed') return outcome.item as unknown as ReservationRecord | undefined;
  if (outcome.status === 'refused' && isMoved(outcome.result)) return outcome.result.moved;
  return undefined;
}
