import { AppError } from '@polyshop/kernel';
import { adjustmentRefusal } from '../../domain/adjustment-refusal.ts';
import type { NewReservation, ReservationItem, StockShortage } from '../../domain/reservation.ts';
import {
  adjustmentItem,
  expiryAttributes,
  keyAttributes,
  RESERVATION_RETENTION_SECONDS,
  reservationKey,
  type ReservationRecord,
  type StockItem,
} from './dynamo-inventory-items.ts';
import type { StockTarget, TransactAction } from './dynamo-stock-writer.ts';

/** Builders for the reservation item's writes (each a conditional action of a stock write). */

/**
 * The record of a new reservation: `active`, or `pending` with its first step done when it takes several
 * transactions.
 */
export function newReservationRecord(
  reservation: NewReservation,
  items: ReservationItem[],
  now: Date,
  steps: number,
  graceMs: number,
): ReservationRecord {
  const pending = steps > 1;
  return {
    ...reservationKey(reservation.id),
    id: reservation.id,
    status: pending ? 'pending' : 'active',
    items,
    ttlSeconds: reservation.ttlSeconds,
    expiresAt: reservation.expiresAt.toISOString(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ttl: Math.floor(reservation.expiresAt.getTime() / 1000) + RESERVATION_RETENTION_SECONDS,
    ...(pending ? { progress: 1 } : {}),
    ...keyAttributes('RESERVATION', reservation.id),
    // a pending one is the reaper's after the grace period (its writer may have died), an active one at its expiry
    ...expiryAttributes(reservation.id, pending ? new Date(now.getTime() + graceMs) : reservation.expiresAt),
  };
}

/** Puts a new reservation record unless one with its id exists (then the old one comes back as `ALL_OLD`). */
export function putReservation(tableName: string, record: ReservationRecord): TransactAction {
  return {
    Put: {
      TableName: tableName,
      Item: record,
      ConditionExpression: 'attribute_not_exists(PK)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

export interface RecordUpdate {
  /** Condition besides the key; `#s` is `status`, `#p` is `progress`. */
  condition: string;
  set: Record<string, unknown>;
  remove?: readonly string[];
  values?: Record<string, unknown>;
}

/**
 * A conditional update of a reservation record; attribute names are always aliased (`status`, `items`, `ttl`
 * are reserved words).
 */
export function updateReservation(tableName: string, id: string, update: RecordUpdate): TransactAction {
  const names: Record<string, string> = { '#s': 'status', '#p': 'progress', '#e': 'expiresAt' };
  const values: Record<string, unknown> = { ...update.values };
  const sets = Object.entries(update.set).map(([attribute, value], index) => {
    names[`#set${index}`] = attribute;
    values[`:set${index}`] = value;
    return `#set${index} = :set${index}`;
  });
  const removes = (update.remove ?? []).map((attribute, index) => {
    names[`#rm${index}`] = attribute;
    return `#rm${index}`;
  });
  const expression = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    removes.length ? `REMOVE ${removes.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const condition = `attribute_exists(PK) AND ${update.condition}`;
  return {
    Update: {
      TableName: tableName,
      Key: reservationKey(id),
      UpdateExpression: expression,
      ConditionExpression: condition,
      // DynamoDB refuses names and values that the expressions do not use
      ExpressionAttributeNames: usedIn(`${expression} ${condition}`, names),
      ExpressionAttributeValues: usedIn(`${expression} ${condition}`, values),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

function usedIn<T>(expressions: string, placeholders: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(placeholders).filter(([placeholder]) =>
      new RegExp(`${placeholder}(?![A-Za-z0-9_])`).test(expressions),
    ),
  );
}

/** The SKUs among `items` whose available units do not cover the quantity (unknown SKUs have 0), in item order. */
export function shortagesOf(
  items: readonly ReservationItem[],
  stock: ReadonlyMap<string, StockItem>,
): StockShortage[] {
  return items
    .map((item) => ({
      sku: item.sku,
      requested: item.quantity,
      available: stock.get(item.sku)?.available ?? 0,
    }))
    .filter((shortage) => shortage.available < shortage.requested);
}

/**
 * The counts each SKU of `items` ends with when the reservation's units move by `sign`: +1 holds them
 * (reserve), -1 lets them go (release, expiry, undo); `leaves` takes them off the shelf too (commit).
 * Throws when a SKU does not hold what the reservation says it holds (an invariant, not an input error).
 */
export function movedStock(
  items: readonly ReservationItem[],
  stock: ReadonlyMap<string, StockItem>,
  sign: 1 | -1,
  leaves = false,
): StockTarget[] {
  return items.map((item) => {
    const base = stock.get(item.sku);
    const reserved = (base?.reserved ?? 0) + sign * item.quantity;
    const quantity = (base?.quantity ?? 0) - (leaves ? item.quantity : 0);
    if (!base || reserved < 0 || reserved > quantity) {
      throw new AppError(
        'internal',
        'INVENTORY.INVARIANT_BROKEN',
        `${item.sku} cannot move ${sign * item.quantity} reserved units (it holds ${base?.reserved ?? 'no stock'}).`,
      );
    }
    return { sku: item.sku, quantity, reserved };
  });
}

/**
 * What a step of a return writes for `items` besides the reservation: each SKU's quantity up by the
 * item quantity (reserved unchanged) and its history entry (kind `return`, keyed by the version the
 * update makes, with the reason and actor stored on the reservation). Refused, with nothing written,
 * when a SKU would exceed the maximum (the same rule as an adjustment).
 */
export function returnedStock(
  tableName: string,
  record: ReservationRecord,
  items: readonly ReservationItem[],
  stock: ReadonlyMap<string, StockItem>,
  at: string,
): { actions: TransactAction[]; stock: StockTarget[] } | { refuse: AppError } {
  const actions: TransactAction[] = [];
  const targets: StockTarget[] = [];
  for (const item of items) {
    const base = stock.get(item.sku);
    if (!base)
      throw new AppError(
        'internal',
        'INVENTORY.INVARIANT_BROKEN',
        `Reservation ${record.id} holds ${item.sku}, which has no stock.`,
      );
    const refusal = adjustmentRefusal(item.sku, base, item.quantity, 'id');
    if (refusal) return { refuse: refusal };
    const target = { sku: item.sku, quantity: base.quantity + item.quantity, reserved: base.reserved };
    const entry = adjustmentItem(item.sku, base.version + 1, {
      kind: 'return',
      delta: item.quantity,
      quantityAfter: target.quantity,
      reason: record.returnReason ?? `reservation ${record.id} returned`,
      actor: record.returnActor,
      reservationId: record.id,
      at,
    });
    // the stock update is pinned to `base.version`, so this key is free unless that update fails too
    actions.push({
      Put: { TableName: tableName, Item: entry, ConditionExpression: 'attribute_not_exists(PK)' },
    });
    targets.push(target);
  }
  return { actions, stock: targets };
}

/** `items` in steps of at most `size` (the SKUs one transaction can take beside the reservation and the outbox). */
export function stepsOf<T>(items: readonly T[], size: number): T[][] {
  const steps: T[][] = [];
  for (let start = 0; start < items.length; start += size) steps.push(items.slice(start, start + size));
  return steps;
}

/** When the reaper may act on a record that stands in its index (the time part of `expiryKey`). */
export function dueAt(record: ReservationRecord): Date | undefined {
  return record.expiryKey ? new Date(record.expiryKey.slice(0, record.expiryKey.indexOf('#'))) : undefined;
}
