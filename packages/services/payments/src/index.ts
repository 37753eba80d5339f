/**
 * The payment service's public surface: its `definition` for the platform, the client the order
 * saga uses (in-process or over HTTP), the shapes it answers with, its events, and the gateway port
 * with its `sandbox` implementation.
 */
export {
  definition,
  createPaymentsService,
  type PaymentsModule,
  type PaymentsServiceOptions,
} from './payments-module.ts';
export { PAYMENTS_SCHEMA } from './adapters/postgres/payments-schema.ts';
export {
  InProcessPaymentsClient,
  PaymentsHttpClient,
  type AuthorizationResult,
  type AuthorizePaymentRequest,
  type PaymentsClient,
} from './payments-client.ts';
export type { RefundInput } from './app/refund-payment.ts';
export type { AuthorizePaymentInput, PaymentMethod } from './domain/payment-request.ts';
export { PAYMENT_METHODS } from './domain/payment-request.ts';
export type { CardDetails } from './domain/card.ts';
export { PAYMENT_REASON_CODES, type PaymentReasonCode } from './domain/payment.ts';
export { PAYMENT_STATUSES, type PaymentStatus } from './domain/payment-status.ts';
export type {
  AuditEntryView,
  PaymentDetailsView,
  PaymentView,
  RefundResultView,
  RefundView,
} from './app/payments-views.ts';
export * from './domain/payments-events.ts';
export type * from './ports/payment-gateway.ts';
export {
  SandboxPaymentGateway,
  type SandboxPaymentGatewayOptions,
} from './adapters/sandbox/sandbox-payment-gateway.ts';
export { SANDBOX_CARDS, SANDBOX_TOKENS } from './adapters/sandbox/sandbox-cards.ts';
