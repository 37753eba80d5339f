import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import {
  parsePaymentRequest,
  requestFingerprint,
  validateIdempotencyKey,
  type AuthorizePaymentInput,
} from './payment-request.ts';

const now = new Date('2026-06-15T12:00:00Z');
const input = (overrides: Partial<AuthorizePaymentInput> = {}): AuthorizePaymentInput => ({
  orderId: '0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b',
  amount: '21.59',
  currency: 'USD',
  method: 'card',
  region: 'eu',
  card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' },
  ...overrides,
});
const fails = (overrides: Partial<AuthorizePaymentInput>, field: string) =>
  assert.throws(
    () => parsePaymentRequest(input(overrides), now),
    (error: unknown) => error instanceof AppError && error.kind === 'invalid_input' && error.field === field,
    field,
  );

describe('parsePaymentRequest', () => {
  it('names the field of every invalid part', () => {
    fails({ orderId: 'order-1' }, 'orderId');
    fails({ amount: '21.599' }, 'amount');
    fails({ amount: '0.00' }, 'amount');
    fails({ amount: '-5' }, 'amount');
    fails({ amount: 21.59 as unknown as string }, 'amount');
    fails({ currency: 'XXY' }, 'currency');
    fails({ method: 'cash' as never }, 'method');
    fails({ region: 'eu west' }, 'region');
    fails({ token: 'tok_visa' }, 'card');
    fails({ card: undefined }, 'card');
    fails({ card: undefined, token: 'visa' }, 'token');
  });

  it('accepts a token instead of a card', () => {
    const request = parsePaymentRequest(input({ card: undefined, token: 'tok_visa' }), now);
    assert.deepEqual(request.instrument, { kind: 'token', token: 'tok_visa' });
  });
});

const KEY = new Uint8Array(32).fill(7);

describe('requestFingerprint', () => {
  it('is the same for the same request and differs when anything that matters differs, the card number included', () => {
    const fingerprint = (overrides: Partial<AuthorizePaymentInput> = {}) =>
      requestFingerprint(parsePaymentRequest(input(overrides), now), KEY);
    assert.equal(
      fingerprint(),
      fingerprint({ card: { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030, cvc: '999' } }),
      'spacing and the CVC (never kept) do not matter',
    );
    assert.notEqual(
      fingerprint(),
      fingerprint({ card: { number: '4000056655665556', expMonth: 12, expYear: 2030, cvc: '123' } }),
      'another Visa card: the same brand, another number',
    );
    assert.notEqual(
      fingerprint(),
      fingerprint({ card: { number: '4242424242424242', expMonth: 11, expYear: 2030, cvc: '123' } }),
    );
    assert.equal(fingerprint({ amount: '21.5' }), fingerprint({ amount: '21.50' }));
    assert.notEqual(fingerprint(), fingerprint({ amount: '21.60' }));
    assert.notEqual(fingerprint(), fingerprint({ region: 'us' }));
    assert.notEqual(
      fingerprint(),
      fingerprint({ card: { number: '5555555555554444', expMonth: 12, expYear: 2030, cvc: '123' } }),
    );
  });

  it('is keyed: the card number cannot be tested against it without the key', () => {
    const request = parsePaymentRequest(input(), now);
    const fingerprint = requestFingerprint(request, KEY);
    assert.match(fingerprint, /^[0-9a-f]{64}$/);
    assert.notEqual(requestFingerprint(request, new Uint8Array(32).fill(8)), fingerprint);
  });
});

describe('validateIdempotencyKey', () => {
  it('requires a key of visible ASCII', () => {
    assert.equal(validateIdempotencyKey('order-1'), 'order-1');
    assert.throws(
      () => validateIdempotencyKey(undefined),
      (e: unknown) =>
        e instanceof AppError &&
        e.code === 'PAYMENT.IDEMPOTENCY_KEY_REQUIRED' &&
        e.field === 'Idempotency-Key',
    );
    assert.throws(
      () => validateIdempotencyKey('a b'),
      (e: unknown) => e instanceof AppError && e.code === 'PAYMENT.INVALID_IDEMPOTENCY_KEY',
    );
    assert.throws(
      () => validateIdempotencyKey('x'.repeat(256)),
      (e: unknown) => e instanceof AppError && e.code === 'PAYMENT.INVALID_IDEMPOTENCY_KEY',
    );
  });
});
