/** What an order owes, as the order service knows it. */
export interface OrderDue {
  /** The order's status: only a `pending` order (its checkout running) can be paid. */
  status: string;
  /** The order's total, a decimal string in `currency`: what a payment for it must be. */
  total: string;
  currency: string;
}

/**
 * The order service as the payment service asks it what an order owes, so that a payment for an
 * order is exactly what the order owes — never an arbitrary amount, never for a paid order. Errors
 * (AppError `unavailable`) propagate: a payment is refused rather than authorized unchecked.
 */
export interface OrderDues {
  /** The order, or `undefined` when the order service knows no such order. */
  find(orderId: string): Promise<OrderDue | undefined>;
}
