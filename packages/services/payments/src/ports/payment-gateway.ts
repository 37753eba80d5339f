import type { Money } from '@polyshop/kernel';
import type { CardSummary } from '../domain/card.ts';
import type { DeclineReason } from '../domain/payment.ts';
import type { PaymentInstrument } from '../domain/payment-request.ts';

/** Asks the processor to hold `amount` on a card or token. */
export interface GatewayAuthorizeRequest {
  /** The same key always gets the same answer and never a second authorization. */
  idempotencyKey: string;
  amount: Money;
  instrument: PaymentInstrument;
  /** polyshop's payment id, kept by the processor for reconciliation. */
  reference: string;
}

/** A processor's answer to an authorization: approved, or declined for a reason (a result, not an error). */
export type GatewayAuthorization =
  | { outcome: 'approved'; transactionId: string; card: CardSummary }
  | { outcome: 'declined'; reason: DeclineReason; transactionId: string; card?: CardSummary };

export interface GatewayCaptureRequest {
  idempotencyKey: string;
  transactionId: string;
  amount: Money;
}

export interface GatewayVoidRequest {
  idempotencyKey: string;
  transactionId: string;
}

export interface GatewayRefundRequest {
  idempotencyKey: string;
  transactionId: string;
  amount: Money;
}

/**
 * A card processor, behind one port so real gateways can be added next to the `sandbox` one. Every
 * operation is idempotent on the key the service passes: a retry (after a timeout, a crash, a race)
 * returns the first answer and moves no money twice.
 *
 * Errors (AppError): `unavailable` / `PAYMENT.GATEWAY_UNAVAILABLE` when the processor could not be
 * reached or failed transiently — nothing happened, retry with the same key; `invalid_input` for a
 * request the processor refuses (`PAYMENT.INVALID_TOKEN`, field `token`); `conflict` /
 * `PAYMENT.GATEWAY_REJECTED` for an operation the transaction's state forbids (capturing a voided
 * authorization, refunding more than captured) or a key reused with other parameters.
 */
export interface PaymentGateway {
  /** Short name, stored nowhere but logged and shown in health output (`sandbox`). */
  readonly name: string;
  /** Authorizes (holds) an amount. Declines are returned, not thrown. */
  authorize(request: GatewayAuthorizeRequest): Promise<GatewayAuthorization>;
  /** Captures an approved authorization in full. */
  capture(request: GatewayCaptureRequest): Promise<void>;
  /** Releases an approved, uncaptured authorization. */
  void(request: GatewayVoidRequest): Promise<void>;
  /** Returns (part of) a captured amount; resolves to the processor's refund id. */
  refund(request: GatewayRefundRequest): Promise<{ refundId: string }>;
}
