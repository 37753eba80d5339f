import type { KnownRecipient, OrderRecipient } from '../../domain/recipient.ts';
import type { RecipientStore } from '../../ports/notification-repository.ts';
import type { OrderRecipientRow, RecipientRow } from './notifications-tables.ts';
import { iso, SCHEMA, type PgScope } from './pg-scope.ts';

/** The recipient projection in `notifications.recipients` and `notifications.order_recipients`. */
export class PostgresRecipientStore implements RecipientStore {
  readonly #scope: PgScope;

  constructor(scope: PgScope) {
    this.#scope = scope;
  }

  async find(userId: string): Promise<KnownRecipient | undefined> {
    const rows = await this.#scope.executor.query<RecipientRow>(
      `SELECT user_id, email, name, erased_at FROM ${SCHEMA}.recipients WHERE user_id = $1`,
      [userId],
    );
    const row = rows[0];
    return row && { userId: row.user_id, email: row.email, name: row.name, erasedAt: iso(row.erased_at) };
  }

  async remember(recipient: { userId: string; email: string | null; name: string | null }): Promise<void> {
    await this.#scope.executor.query(
      `INSERT INTO ${SCHEMA}.recipients (user_id, email, name) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET email = COALESCE(EXCLUDED.email, recipients.email), name = COALESCE(EXCLUDED.name, recipients.name)
       WHERE recipients.erased_at IS NULL`,
      [recipient.userId, recipient.email, recipient.name],
    );
  }

  erase(userId: string, now: Date): Promise<void> {
    return this.#scope.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO ${SCHEMA}.recipients (user_id, email, name, erased_at) VALUES ($1, NULL, NULL, $2)
         ON CONFLICT (user_id) DO UPDATE SET email = NULL, name = NULL, erased_at = COALESCE(recipients.erased_at, EXCLUDED.erased_at)`,
        [userId, now],
      );
      await tx.query(`UPDATE ${SCHEMA}.order_recipients SET email = NULL, name = NULL WHERE user_id = $1`, [
        userId,
      ]);
    });
  }

  async rememberOrder(order: OrderRecipient): Promise<void> {
    await this.#scope.executor.query(
      `INSERT INTO ${SCHEMA}.order_recipients (order_id, user_id, order_number, email, name) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (order_id) DO UPDATE SET user_id = EXCLUDED.user_id, order_number = EXCLUDED.order_number,
         email = COALESCE(EXCLUDED.email, order_recipients.email), name = COALESCE(EXCLUDED.name, order_recipients.name)`,
      [order.orderId, order.userId, order.orderNumber, order.email, order.name],
    );
  }

  async findOrder(orderId: string): Promise<OrderRecipient | undefined> {
    const rows = await this.#scope.executor.query<OrderRecipientRow>(
      `SELECT order_id, user_id, order_number, email, name FROM ${SCHEMA}.order_recipients WHERE order_id = $1`,
      [orderId],
    );
    const row = rows[0];
    return (
      row && {
        orderId: row.order_id,
        userId: row.user_id,
        orderNumber: row.order_number,
        email: row.email,
        name: row.name,
      }
    );
  }
}
