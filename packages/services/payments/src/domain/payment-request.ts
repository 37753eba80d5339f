import { AppError, isUuid, keyedFingerprint, Money } from '@polyshop/kernel';
import { validateCard, validateToken, type CardDetails, type ValidatedCard } from './card.ts';

/** How the customer paid, as reported on: a card typed in, or a wallet that hands over a card token. */
export const PAYMENT_METHODS = ['card', 'apple_pay', 'google_pay'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** A sales region label used for reporting (`eu`, `us-east`, `APAC`): 1–32 letters, digits, `-`, `_`. */
export const REGION_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$';
const REGION = new RegExp(REGION_PATTERN);

/** Largest single payment: what `numeric(15,3)` holds with room for sums. */
const MAX_AMOUNT = Money.of('1000000000', 'USD').amount;

/** A request to authorize a payment, as a client sends it (amount as a decimal string). */
export interface AuthorizePaymentInput {
  orderId: string;
  amount: string;
  currency: string;
  method: PaymentMethod;
  region: string;
  /** Exactly one of `card` and `token`. */
  card?: CardDetails;
  /** A processor token (`tok_visa`), e.g. from a wallet or a hosted card form. */
  token?: string;
}

/** The instrument charged: a validated card (raw details only in memory) or a processor token. */
export type PaymentInstrument = { kind: 'card'; card: ValidatedCard } | { kind: 'token'; token: string };

/** A validated payment request. */
export interface PaymentRequest {
  orderId: string;
  amount: Money;
  method: PaymentMethod;
  region: string;
  instrument: PaymentInstrument;
}

/** Validates a payment request; every failure is a 400 naming the field. */
export function parsePaymentRequest(input: AuthorizePaymentInput, now: Date): PaymentRequest {
  if (!isUuid(input.orderId)) {
    throw AppError.invalidInput('PAYMENT.INVALID_ORDER_ID', 'orderId must be a UUID.', { field: 'orderId' });
  }
  const amount = Money.parse(input.amount, input.currency, 'amount');
  if (!amount.isPositive() || amount.amount.greaterThanOrEqualTo(MAX_AMOUNT)) {
    throw AppError.invalidInput(
      'PAYMENT.INVALID_AMOUNT',
      'The amount must be greater than 0 and below 1000000000.',
      { field: 'amount' },
    );
  }
  if (!PAYMENT_METHODS.includes(input.method)) {
    throw AppError.invalidInput(
      'PAYMENT.INVALID_METHOD',
      `method must be one of ${PAYMENT_METHODS.join(', ')}.`,
      { field: 'method' },
    );
  }
  if (typeof input.region !== 'string' || !REGION.test(input.region)) {
    throw AppError.invalidInput('PAYMENT.INVALID_REGION', 'region is 1–32 letters, digits, "-" or "_".', {
      field: 'region',
    });
  }
  const hasCard = input.card !== undefined && input.card !== null;
  const hasToken = input.token !== undefined && input.token !== null;
  if (hasCard === hasToken) {
    throw AppError.invalidInput('PAYMENT.INSTRUMENT_REQUIRED', 'Send exactly one of card and token.', {
      field: 'card',
    });
  }
  const instrument: PaymentInstrument = hasCard
    ? { kind: 'card', card: validateCard(input.card!, now) }
    : { kind: 'token', token: validateToken(input.token!) };
  return {
    orderId: input.orderId.toLowerCase(),
    amount,
    method: input.method,
    region: input.region,
    instrument,
  };
}

/**
 * A fingerprint of the whole request for idempotency: HMAC-SHA256 under the service's fingerprint key
 * over a canonical JSON of the validated request — the card by its full number (digits only) and
 * expiry, so the same key with another card is another request (409). The CVC stays out: it may not
 * be kept after authorization in any form (PCI DSS), and it does not change which card is charged.
 * Keyed, the stored fingerprint cannot be tested against guessed card numbers without the key.
 */
export function requestFingerprint(request: PaymentRequest, key: Uint8Array): string {
  const { instrument } = request;
  return keyedFingerprint(key, [
    request.orderId,
    request.amount.toDecimalString(),
    request.amount.currency,
    request.method,
    request.region,
    instrument.kind === 'card'
      ? [
          'card',
          instrument.card.details.number,
          instrument.card.details.expMonth,
          instrument.card.details.expYear,
        ]
      : ['token', instrument.token],
  ]);
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Checks an `Idempotency-Key`: required, 1–255 visible ASCII characters (a UUID is a good choice). */
export function validateIdempotencyKey(key: string | undefined): string {
  if (key === undefined || key === '') {
    throw AppError.invalidInput(
      'PAYMENT.IDEMPOTENCY_KEY_REQUIRED',
      'Send an Idempotency-Key header (e.g. a UUID) so a retry never charges twice.',
      {
        field: 'Idempotency-Key',
      },
    );
  }
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw AppError.invalidInput(
      'PAYMENT.INVALID_IDEMPOTENCY_KEY',
      'The Idempotency-Key is 1–255 visible ASCII characters.',
      {
        field: 'Idempotency-Key',
      },
    );
  }
  return key;
}
