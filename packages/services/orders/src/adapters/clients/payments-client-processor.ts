import type { PaymentsClient } from '@polyshop/payments';
import { AppError, Money } from '@polyshop/kernel';
import type {
  AuthorizationRequest,
  PaymentProcessor,
  PaymentSummary,
} from '../../ports/payment-processor.ts';

/** The part of the payment service's client the saga uses: a change there breaks this build. */
export type PaymentsApi = Pick<
  PaymentsClient,
  'authorize' | 'capture' | 'void' | 'refund' | 'get' | 'findByOrder'
>;

const CAPTURED = ['captured', 'partially_refunded', 'refunded'];

/**
 * The payment service's client as the saga's `PaymentProcessor`. Capture and void are idempotent on
 * the payment service's side; a conflict is double-checked against the payment's state, so a step
 * repeated after a crash is harmless even if the other side answers the repeat with a conflict.
 */
export class PaymentsClientProcessor implements PaymentProcessor {
  readonly #client: PaymentsApi;

  constructor(client: PaymentsApi) {
    this.#client = client;
  }

  authorize(request: AuthorizationRequest): Promise<PaymentSummary> {
    return this.#client.authorize(request);
  }

  async capture(paymentId: string): Promise<void> {
    await this.#tolerate(
      () => this.#client.capture(paymentId),
      paymentId,
      (status) => CAPTURED.includes(status),
    );
  }

  async void(paymentId: string): Promise<void> {
    await this.#tolerate(
      () => this.#client.void(paymentId),
      paymentId,
      (status) => status === 'voided',
    );
  }

  async refundAll(paymentId: string, reason: string): Promise<void> {
    const payment = await this.#client.get(paymentId);
    const remaining = Money.of(payment.refundableAmount, payment.currency);
    if (!remaining.isPositive()) return;
    await this.#client.refund(paymentId, { amount: remaining.toDecimalString(), reason });
  }

  findByOrder(orderId: string): Promise<PaymentSummary[]> {
    return this.#client.findByOrder(orderId);
  }

  async #tolerate(
    call: () => Promise<unknown>,
    paymentId: string,
    alreadyDone: (status: string) => boolean,
  ): Promise<void> {
    try {
      await call();
    } catch (error) {
      if (!(error instanceof AppError) || error.kind !== 'conflict') throw error;
      const payment = await this.#client.get(paymentId);
      if (!alreadyDone(payment.status)) throw error;
    }
  }
}
