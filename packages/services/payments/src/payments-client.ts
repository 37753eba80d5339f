import { ServiceHttpClient, type InternalClientOptions } from '@polyshop/http';
import type { PaymentsApp } from './app/payments-app.ts';
import type { RefundInput } from './app/refund-payment.ts';
import { SYSTEM_ACTOR, type Actor } from './domain/payment.ts';
import type { AuthorizePaymentInput } from './domain/payment-request.ts';
import type { PaymentDetailsView, PaymentView, RefundResultView } from './app/payments-views.ts';

/**
 * An authorization request from another service; `idempotencyKey` makes retries safe (the order saga uses the
 * order id).
 */
export interface AuthorizePaymentRequest extends AuthorizePaymentInput {
  idempotencyKey: string;
}

/**
 * The answer to an authorization: `authorized`, or `failed` with `reasonCode` (a decline is a result, not an
 * error).
 */
export type AuthorizationResult = PaymentView & { status: 'authorized' | 'failed' };

/**
 * The payment service as other services see it (the order saga), in-process or over HTTP with the
 * same behaviour. Errors are AppErrors: `invalid_input` (400, with `field`), `not_found`, `conflict`
 * (`PAYMENT.ILLEGAL_TRANSITION`, `PAYMENT.REFUND_EXCEEDS_CAPTURED`, `PAYMENT.IDEMPOTENCY_KEY_REUSED`),
 * `unavailable` (`PAYMENT.GATEWAY_UNAVAILABLE`: retry with the same idempotency key).
 */
export interface PaymentsClient {
  /** Authorizes a payment once per idempotency key; a retry with the same key and body returns the first answer. */
  authorize(request: AuthorizePaymentRequest): Promise<AuthorizationResult>;
  /** Captures an authorized payment; a captured one is returned as it is. */
  capture(id: string): Promise<PaymentView>;
  /** Voids an authorized payment; a voided one is returned as it is. */
  void(id: string): Promise<PaymentView>;
  /** Refunds part or all of a captured payment; never more than captured in total. */
  refund(id: string, input: RefundInput): Promise<RefundResultView>;
  /** The payment with refunds and audit trail; throws not_found. */
  get(id: string): Promise<PaymentDetailsView>;
  /** An order's payments, oldest first. */
  findByOrder(orderId: string): Promise<PaymentView[]>;
}

/** The in-process client: the same use cases as the HTTP routes, audited as `system` (or the actor given). */
export class InProcessPaymentsClient implements PaymentsClient {
  readonly #app: PaymentsApp;
  readonly #actor: Actor;

  constructor(app: PaymentsApp, actor: Actor = SYSTEM_ACTOR) {
    this.#app = app;
    this.#actor = actor;
  }

  async authorize({ idempotencyKey, ...input }: AuthorizePaymentRequest): Promise<AuthorizationResult> {
    return (await this.#app.authorize(input, idempotencyKey, this.#actor)).body as AuthorizationResult;
  }
  capture(id: string): Promise<PaymentView> {
    return this.#app.capture(id, this.#actor);
  }
  void(id: string): Promise<PaymentView> {
    return this.#app.void(id, this.#actor);
  }
  refund(id: string, input: RefundInput): Promise<RefundResultView> {
    return this.#app.refund(id, input, this.#actor);
  }
  get(id: string): Promise<PaymentDetailsView> {
    return this.#app.get(id);
  }
  findByOrder(orderId: string): Promise<PaymentView[]> {
    return this.#app.findByOrder(orderId);
  }
}

/**
 * `PaymentsClient` over HTTP (multi-process mode), authenticated with `POLYSHOP_INTERNAL_TOKEN`.
 * Authorizations, captures and voids are retried on transient failures (they are idempotent);
 * refunds are not.
 */
export class PaymentsHttpClient implements PaymentsClient {
  readonly #http: ServiceHttpClient;

  constructor(baseUrl: string, options: InternalClientOptions = {}) {
    this.#http = ServiceHttpClient.internal(baseUrl, options);
  }

  authorize({ idempotencyKey, ...body }: AuthorizePaymentRequest): Promise<AuthorizationResult> {
    return this.#http.request({
      method: 'POST',
      path: '/payments',
      body,
      headers: { 'idempotency-key': idempotencyKey },
      idempotent: true,
    });
  }
  capture(id: string): Promise<PaymentView> {
    return this.#http.request({
      method: 'POST',
      path: `/payments/${encodeURIComponent(id)}/capture`,
      idempotent: true,
    });
  }
  void(id: string): Promise<PaymentView> {
    return this.#http.request({
      method: 'POST',
      path: `/payments/${encodeURIComponent(id)}/void`,
      idempotent: true,
    });
  }
  refund(id: string, input: RefundInput): Promise<RefundResultView> {
    return this.#http.request({
      method: 'POST',
      path: `/payments/${encodeURIComponent(id)}/refunds`,
      body: input,
    });
  }
  get(id: string): Promise<PaymentDetailsView> {
    return this.#http.request({ path: `/payments/${encodeURIComponent(id)}` });
  }
  findByOrder(orderId: string): Promise<PaymentView[]> {
    return this.#http.request({ path: `/payments?orderId=${encodeURIComponent(orderId)}` });
  }
}
