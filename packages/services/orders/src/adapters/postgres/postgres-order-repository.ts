import { LRUCache } from 'lru-cache';
import { appendToOutbox, type SqlDatabase, type SqlExecutor } from '@polyshop/stores';
import { isTerminal, type SagaState } from '../../domain/checkout-saga.ts';
import type { Order, OrderFailure } from '../../domain/order.ts';
import type {
  NewOrder,
  OrderListQuery,
  OrderPage,
  OrderRepository,
  SagaLease,
  SagaParking,
  SagaPostponement,
  SagaReopening,
  SagaStep,
  SagaTransition,
  UnfinishedSagas,
} from '../../ports/order-repository.ts';
import { ORDER_COLUMNS, toOrder } from './postgres-order-rows.ts';
import {
  ORDER_ITEMS_TABLE,
  SAGA_STEPS_TABLE,
  type OrderItemRow,
  type OrderRow,
  type SagaStepRow,
} from './orders-tables.ts';

const SCHEMA = 'orders';

/** Orders on PostgreSQL (PGlite or a server): `orders.orders` + `orders.order_items`, events via the outbox. */
export class PostgresOrderRepository implements OrderRepository {
  readonly #db: SqlDatabase;
  /** Order lines never change once written (no invalidation needed): a saga step need not read them again. */
  readonly #items = new LRUCache<string, OrderItemRow[]>({ max: 10_000 });

  constructor(db: SqlDatabase) {
    this.#db = db;
  }

  async create(order: NewOrder, lease: SagaLease): Promise<{ order: Order; created: boolean }> {
    const stored = await this.#db.transaction(async (tx) => {
      const [row] = await tx.query<OrderRow>(
        `INSERT INTO orders.orders (id, order_number, user_id, customer_email, customer_name, status, currency, subtotal, tax,
           shipping, total, shipping_address, region, payment_method, idempotency_key, request_hash, saga_state, saga_attempts,
           next_attempt_at, lease_owner, created_at, updated_at)
         VALUES ($1, 'ORD-' || nextval('orders.order_number_seq'), $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $11, $12,
           $13, $14, 'started', 0, $15, $16, $17, $17)
         ON CONFLICT (user_id, idempotency_key) DO NOTHING
         RETURNING ${ORDER_COLUMNS}`,
        [
          order.id,
          order.userId,
          order.customer.email ?? null,
          order.customer.name ?? null,
          order.currency,
          order.subtotal.toExactString(),
          order.tax.toExactString(),
          order.shipping.toExactString(),
          order.total.toExactString(),
          JSON.stringify(order.shippingAddress),
          order.region,
          order.paymentMethod,
          order.idempotencyKey,
          order.requestHash,
          lease.until,
          lease.owner,
          order.createdAt,
        ],
      );
      if (!row) return undefined;
      // All lines in one statement; they come back as stored, as a read would return them.
      const items = await tx.query<OrderItemRow>(
        `INSERT INTO orders.order_items (order_id, position, sku, product_id, name, quantity, unit_price, line_total)
         SELECT $1::uuid, line.position - 1, line.sku, line.product_id, line.name, line.quantity, line.unit_price, line.line_total
         FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::numeric[], $7::numeric[])
           WITH ORDINALITY AS line(sku, product_id, name, quantity, unit_price, line_total, position)
         RETURNING ${ORDER_ITEMS_TABLE.columnList}`,
        [
          order.id,
          order.items.map((item) => item.sku),
          order.items.map((item) => item.productId),
          order.items.map((item) => item.name),
          order.items.map((item) => item.quantity),
          order.items.map((item) => item.unitPrice.toExactString()),
          order.items.map((item) => item.lineTotal.toExactString()),
        ],
      );
      items.sort((a, b) => a.position - b.position);
      this.#items.set(order.id, items);
      return toOrder(row, items);
    });
    if (stored) return { order: stored, created: true };
    const existing = await this.findByIdempotencyKey(order.userId, order.idempotencyKey);
    if (!existing) throw new Error(`order ${order.id} vanished after it was written`);
    return { order: existing, created: false };
  }

  async findById(id: string): Promise<Order | undefined> {
    const rows = await this.#db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders.orders WHERE id = $1`, [
      id,
    ]);
    return (await this.#withItems(this.#db, rows))[0];
  }

  async findByIdempotencyKey(userId: string, idempotencyKey: string): Promise<Order | undefined> {
    const rows = await this.#db.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders.orders WHERE user_id = $1 AND idempotency_key = $2`,
      [userId, idempotencyKey],
    );
    return (await this.#withItems(this.#db, rows))[0];
  }

  async list(query: OrderListQuery): Promise<OrderPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (condition: (n: string) => string, ...values: unknown[]) => {
      const placeholders = values.map((value) => `$${params.push(value)}`);
      where.push(condition(placeholders.join(', ')));
    };
    if (query.userId !== undefined) add((p) => `user_id = ${p}`, query.userId);
    if (query.orderNumber !== undefined) add((p) => `order_number = ${p}`, query.orderNumber);
    if (query.email !== undefined) add((p) => `lower(customer_email) = lower(${p})`, query.email);
    if (query.status !== undefined) add((p) => `status = ${p}`, query.status);
    if (query.from !== undefined) add((p) => `created_at >= ${p}`, query.from);
    if (query.to !== undefined) add((p) => `created_at < ${p}`, query.to);
    if (query.after !== undefined)
      add((p) => `(created_at, id) < (${p})`, query.after.createdAt, query.after.id);
    params.push(query.limit + 1);
    const rows = await this.#db.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders.orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const orders = await this.#withItems(this.#db, rows.slice(0, query.limit));
    const last = orders.at(-1);
    return rows.length > query.limit && last
      ? { orders, next: { createdAt: last.createdAt, id: last.id } }
      : { orders };
  }

  async sagaSteps(id: string): Promise<SagaStep[]> {
    const rows = await this.#db.query<SagaStepRow>(
      `SELECT ${SAGA_STEPS_TABLE.columnList} FROM ${SAGA_STEPS_TABLE.qualified}
       WHERE order_id = $1 ORDER BY position`,
      [id],
    );
    return rows.map((row) => ({
      at: row.at,
      kind: row.kind,
      ...(row.from_state ? { from: row.from_state } : {}),
      to: row.to_state,
      attempts: row.attempts,
      ...(row.next_attempt_at ? { nextAttemptAt: row.next_attempt_at } : {}),
      ...(row.reason_code ? { reasonCode: row.reason_code } : {}),
      ...(row.message ? { message: row.message } : {}),
    }));
  }

  async transition(id: string, t: SagaTransition): Promise<Order | undefined> {
    const done = isTerminal(t.to);
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<OrderRow>(
        `UPDATE orders.orders SET saga_state = $3, saga_attempts = 0, lease_owner = $4, next_attempt_at = $5,
           parked_at = NULL, parked_failure = NULL, status = COALESCE($6, status), payment_id = COALESCE($7, payment_id),
           reason_code = COALESCE($8, reason_code), failure = COALESCE($9::jsonb, failure), updated_at = $10
         WHERE id = $1 AND saga_state = $2 AND lease_owner = $11
         RETURNING ${ORDER_COLUMNS}`,
        [
          id,
          t.from,
          t.to,
          done ? null : t.lease.owner,
          done ? null : t.lease.until,
          t.status ?? null,
          t.paymentId ?? null,
          t.failure?.reasonCode ?? null,
          t.failure ? JSON.stringify(t.failure) : null,
          t.now,
          t.lease.owner,
        ],
      );
      if (rows.length === 0) return undefined;
      if (t.events?.length) await appendToOutbox(tx, SCHEMA, t.events);
      return (await this.#withItems(tx, rows))[0];
    });
  }

  async postpone(id: string, p: SagaPostponement): Promise<boolean> {
    const updated = await this.#db.execute(
      `UPDATE orders.orders SET saga_attempts = $3, next_attempt_at = $4, lease_owner = NULL, updated_at = $5
       WHERE id = $1 AND lease_owner = $2 AND saga_state = $6`,
      [id, p.owner, p.attempts, p.nextAttemptAt, p.now, p.state],
    );
    return updated === 1;
  }

  async park(id: string, p: SagaParking): Promise<boolean> {
    const updated = await this.#db.execute(
      `UPDATE orders.orders SET saga_attempts = $3, next_attempt_at = NULL, lease_owner = NULL, parked_at = $4,
         parked_failure = $5, updated_at = $4
       WHERE id = $1 AND lease_owner = $2 AND saga_state = $6`,
      [id, p.owner, p.attempts, p.now, JSON.stringify(p.failure), p.state],
    );
    return updated === 1;
  }

  async listNeedingAttention(limit: number): Promise<Order[]> {
    const rows = await this.#db.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders.orders WHERE parked_at IS NOT NULL ORDER BY parked_at, id LIMIT $1`,
      [limit],
    );
    return this.#withItems(this.#db, rows);
  }

  async resumeParked(id: string, lease: SagaLease, now: Date): Promise<Order | undefined> {
    const rows = await this.#db.query<OrderRow>(
      `UPDATE orders.orders SET parked_at = NULL, parked_failure = NULL, saga_attempts = 0, lease_owner = $2,
         next_attempt_at = $3, updated_at = $4
       WHERE id = $1 AND parked_at IS NOT NULL
       RETURNING ${ORDER_COLUMNS}`,
      [id, lease.owner, lease.until, now],
    );
    return (await this.#withItems(this.#db, rows))[0];
  }

  async reopen(id: string, r: SagaReopening): Promise<boolean> {
    const updated = await this.#db.execute(
      `UPDATE orders.orders SET saga_state = $3, saga_attempts = 0, next_attempt_at = COALESCE(next_attempt_at, $4),
         parked_at = NULL, parked_failure = NULL, updated_at = $5
       WHERE id = $1 AND saga_state = ANY($2::text[])`,
      [id, [...r.from], r.to, r.nextAttemptAt, r.now],
    );
    return updated === 1;
  }

  async claimDue(now: Date, lease: SagaLease, limit: number): Promise<Order[]> {
    return this.#db.transaction(async (tx) => {
      // SKIP LOCKED: two workers claiming at once take different orders instead of waiting on each other.
      const rows = await tx.query<OrderRow>(
        `UPDATE orders.orders SET lease_owner = $1, next_attempt_at = $2
         WHERE id IN (
           SELECT id FROM orders.orders WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= $3
           ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED)
         RETURNING ${ORDER_COLUMNS}`,
        [lease.owner, lease.until, now, limit],
      );
      return this.#withItems(tx, rows);
    });
  }

  async countUnfinishedSagas(): Promise<UnfinishedSagas> {
    // the partial indexes orders_saga_due and orders_saga_parked hold exactly these rows
    const rows = await this.#db.query<{ state: SagaState | null; count: number }>(
      `SELECT saga_state AS state, count(*)::int AS count FROM orders.orders
        WHERE next_attempt_at IS NOT NULL GROUP BY saga_state
       UNION ALL
       SELECT NULL, count(*)::int FROM orders.orders WHERE parked_at IS NOT NULL`,
    );
    const census: UnfinishedSagas = { inFlight: {}, needsAttention: 0 };
    for (const { state, count } of rows) {
      if (state === null) census.needsAttention = count;
      else census.inFlight[state] = count;
    }
    return census;
  }

  async beginCancellation(
    id: string,
    lease: SagaLease,
    reason: OrderFailure,
    now: Date,
  ): Promise<Order | undefined> {
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<OrderRow>(
        `UPDATE orders.orders SET saga_state = 'cancelling', saga_attempts = 0, lease_owner = $2, next_attempt_at = $3,
           reason_code = $4, failure = $5, updated_at = $6
         WHERE id = $1 AND saga_state = 'confirmed' AND lease_owner IS NULL
         RETURNING ${ORDER_COLUMNS}`,
        [id, lease.owner, lease.until, reason.reasonCode, JSON.stringify(reason), now],
      );
      return (await this.#withItems(tx, rows))[0];
    });
  }

  async #withItems(executor: SqlExecutor, rows: readonly OrderRow[]): Promise<Order[]> {
    const missing = rows.filter((row) => !this.#items.has(row.id)).map((row) => row.id);
    if (missing.length > 0) {
      const items = await executor.query<OrderItemRow>(
        `SELECT ${ORDER_ITEMS_TABLE.columnList}
         FROM orders.order_items WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, position`,
        [missing],
      );
      const byOrder = new Map<string, OrderItemRow[]>(missing.map((id) => [id, []]));
      for (const item of items) byOrder.get(item.order_id)?.push(item);
      for (const [id, list] of byOrder) this.#items.set(id, list);
    }
    return rows.map((row) => toOrder(row, this.#items.get(row.id) ?? []));
  }
}
