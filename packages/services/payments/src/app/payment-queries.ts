import { AppError, isUuid } from '@polyshop/kernel';
import type { Payment } from '../domain/payment.ts';
import { parseRevenueQuery, type RevenueGroup, type RevenueRow } from '../domain/revenue.ts';
import { toAuditEntryView, toPaymentView, toRefundView, type PaymentDetailsView } from './payments-views.ts';
import { getPayment, type PaymentsDeps } from './payments-deps.ts';

/** A revenue report: the validated range and grouping, and one row per group. */
export interface RevenueReport {
  from: string;
  to: string;
  groupBy: RevenueGroup[];
  rows: RevenueRow[];
}

/** A payment with its refunds and audit trail; not_found for an unknown id. */
export async function paymentDetails(deps: PaymentsDeps, id: string): Promise<PaymentDetailsView> {
  const payment = await getPayment(deps, id);
  const [refunds, audit] = await Promise.all([deps.repository.refunds(id), deps.repository.auditTrail(id)]);
  return {
    ...toPaymentView(payment),
    refunds: refunds.map(toRefundView),
    auditTrail: audit.map(toAuditEntryView),
  };
}

/** An order's payments, oldest first (none for an order without payments). */
export async function paymentsOfOrder(deps: PaymentsDeps, orderId: string): Promise<Payment[]> {
  if (!isUuid(orderId))
    throw AppError.invalidInput('PAYMENT.INVALID_ORDER_ID', 'orderId must be a UUID.', { field: 'orderId' });
  return deps.repository.findByOrder(orderId.toLowerCase());
}

/** Captured minus refunded per group (always per currency); 400 naming `from`, `to` or `groupBy`. */
export async function revenueReport(
  deps: PaymentsDeps,
  input: { from?: string; to?: string; groupBy?: string | string[] },
): Promise<RevenueReport> {
  const query = parseRevenueQuery(input);
  return {
    from: query.from,
    to: query.to,
    groupBy: query.groupBy,
    rows: await deps.repository.revenue(query),
  };
}
