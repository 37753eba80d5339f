import type { Actor } from '../domain/payment.ts';
import type { AuthorizePaymentInput } from '../domain/payment-request.ts';
import {
  toPaymentView,
  toRefundView,
  type PaymentDetailsView,
  type PaymentView,
  type RefundResultView,
} from './payments-views.ts';
import { authorizePayment, type AuthorizationOutcome } from './authorize-payment.ts';
import { capturePayment } from './capture-payment.ts';
import { paymentDetails, paymentsOfOrder, revenueReport, type RevenueReport } from './payment-queries.ts';
import type { PaymentsDeps } from './payments-deps.ts';
import { recoverPendingRefunds, refundPayment, type RefundInput } from './refund-payment.ts';
import { voidPayment } from './void-payment.ts';

/**
 * The payment use cases behind one object, answering in the API's shapes (HTTP routes and the in-process
 * client use it).
 */
export class PaymentsApp {
  readonly deps: PaymentsDeps;

  constructor(deps: PaymentsDeps) {
    this.deps = deps;
  }

  authorize(
    input: AuthorizePaymentInput,
    idempotencyKey: string | undefined,
    actor: Actor,
  ): Promise<AuthorizationOutcome> {
    return authorizePayment(this.deps, input, idempotencyKey, actor);
  }

  async capture(id: string, actor: Actor): Promise<PaymentView> {
    return toPaymentView(await capturePayment(this.deps, id, actor));
  }

  async void(id: string, actor: Actor): Promise<PaymentView> {
    return toPaymentView(await voidPayment(this.deps, id, actor));
  }

  async refund(id: string, input: RefundInput, actor: Actor): Promise<RefundResultView> {
    const { refund, payment } = await refundPayment(this.deps, id, input, actor);
    return { refund: toRefundView(refund), payment: toPaymentView(payment) };
  }

  get(id: string): Promise<PaymentDetailsView> {
    return paymentDetails(this.deps, id);
  }

  async findByOrder(orderId: string): Promise<PaymentView[]> {
    return (await paymentsOfOrder(this.deps, orderId)).map(toPaymentView);
  }

  revenue(input: { from?: string; to?: string; groupBy?: string | string[] }): Promise<RevenueReport> {
    return revenueReport(this.deps, input);
  }

  /** Settles or releases refunds left pending for longer than `olderThanMs`. */
  recoverPendingRefunds(olderThanMs: number): Promise<number> {
    return recoverPendingRefunds(this.deps, olderThanMs);
  }
}
