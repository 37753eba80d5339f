import type { CardInput, PaymentMethod } from '../domain/checkout-request.ts';

/** What the saga asks the payment service to authorize. */
export interface AuthorizationRequest {
  /** Derived from the order id (`order:<id>:authorize`): a retry never charges twice. */
  idempotencyKey: string;
  orderId: string;
  /** Decimal string in `currency`. */
  amount: string;
  currency: string;
  method: PaymentMethod;
  region: string;
  card?: CardInput;
  token?: string;
}

/** A payment as the saga sees it. */
export interface PaymentSummary {
  id: string;
  /** `pending` while the processor is being asked; the others as in the payment service. */
  status: 'pending' | 'authorized' | 'captured' | 'partially_refunded' | 'refunded' | 'voided' | 'failed';
  /** Why it failed (`PAYMENT.DECLINED` …). */
  reasonCode?: string;
  /** Decimal string. */
  amount: string;
  currency: string;
  /** What can still be refunded (decimal string). */
  refundableAmount: string;
}

/**
 * The payment service as the checkout saga drives it. Capture, void and refund are idempotent for a
 * payment that is already in the target state.
 */
export interface PaymentProcessor {
  /** Authorizes the amount; a declined card is a `failed` payment with a `reasonCode`, not an error. */
  authorize(request: AuthorizationRequest): Promise<PaymentSummary>;
  capture(paymentId: string): Promise<void>;
  void(paymentId: string): Promise<void>;
  /** Refunds what is still refundable of a captured payment; nothing left to refund is success. */
  refundAll(paymentId: string, reason: string): Promise<void>;
  /** Every payment made for the order (oldest first). */
  findByOrder(orderId: string): Promise<PaymentSummary[]>;
}
