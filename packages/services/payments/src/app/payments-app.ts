import type { Actor } from '../domain/payment.ts';
import type { AuthorizePaymentInput } from '../domain/payment-request.ts';
import {
  toPaymentView,
  toRefundView,
  type PaymentDetailsView,
  type PaymentView,
  type RefundResultView,
} from '../payment-views.ts';
import { authorizePayment, type AuthorizationOutcome } from './authorize-payment.ts';
import { capturePayment } from './capture-payment.ts';
import { paymentDetails, paymentsOfOrder, revenueReport, type RevenueReport } from './payment-queries.ts';
import type { PaymentsContext } from './payments-context.ts';
import { recoverPendingRefunds, refundPayment, type RefundInput } from './refund-payment.ts';
import { voidPayment } from './void-payment.ts';

/**
 * The payment use cases behind one object, answering in the API's shapes (HTTP routes and the in-process
 * client use it).
 */
export class PaymentsApp {
  readonly context: PaymentsContext;

  constructor(context: PaymentsContext) {
    this.context = context;
  }

  authorize(
    input: AuthorizePaymentInput,
    idempotencyKey: string | undefined,
    actor: Actor,
  ): Promise<AuthorizationOutcome> {
    return authorizePayment(this.context, input, idempotencyKey, actor);
  }

  async capture(id: string, actor: Actor): Promise<PaymentView> {
    return toPaymentView(await capturePayment(this.context, id, actor));
  }

  async void(id: string, actor: Actor): Promise<PaymentView> {
    return toPaymentView(await voidPayment(this.context, id, actor));
  }

  async refund(id: string, input: RefundInput, actor: Actor): Promise<RefundResultView> {
    const { refund, payment } = await refundPayment(this.context, id, input, actor);
    return { refund: toRefundView(refund), payment: toPaymentView(payment) };
  }

  get(id: string): Promise<PaymentDetailsView> {
    return paymentDetails(this.context, id);
  }

  async findByOrder(orderId: string): Promise<PaymentView[]> {
    return (await paymentsOfOrder(this.context, orderId)).map(toPaymentView);
  }

  revenue(input: { from?: string; to?: string; groupBy?: string | string[] }): Promise<RevenueReport> {
    return revenueReport(this.context, input);
  }

  /** Settles or releases refunds left pending for longer than `olderThanMs`. */
  recoverPendingRefunds(olderThanMs: number): Promise<number> {
    return recoverPendingRefunds(this.context, olderThanMs);
  }
}
