import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import { validateCard, validateToken } from './card.ts';

const now = new Date('2026-06-15T12:00:00Z');
const card = (overrides: Partial<Parameters<typeof validateCard>[0]> = {}) => ({
  number: '4242424242424242',
  expMonth: 12,
  expYear: 2030,
  cvc: '123',
  ...overrides,
});
const fails = (fn: () => unknown, code: string, field: string) =>
  assert.throws(
    fn,
    (error: unknown) =>
      error instanceof AppError &&
      error.code === code &&
      error.field === field &&
      error.kind === 'invalid_input',
  );

describe('validateCard', () => {
  it('keeps brand and last four of a valid card', () => {
    const valid = validateCard(card({ number: '4242 4242 4242 4242' }), now);
    assert.equal(valid.brand, 'visa');
    assert.equal(valid.last4, '4242');
    assert.equal(valid.details.number, '4242424242424242');
    assert.equal(validateCard(card({ number: '5555555555554444' }), now).brand, 'mastercard');
    assert.equal(
      validateCard(card({ number: '378282246310005', cvc: '1234' }), now).brand,
      'american-express',
    );
  });

  it('refuses a number failing the Luhn check, too short or not digits, naming card.number', () => {
    fails(
      () => validateCard(card({ number: '4242424242424241' }), now),
      'PAYMENT.INVALID_CARD_NUMBER',
      'card.number',
    );
    fails(() => validateCard(card({ number: '4242' }), now), 'PAYMENT.INVALID_CARD_NUMBER', 'card.number');
    fails(
      () => validateCard(card({ number: '4242abcd42424242' }), now),
      'PAYMENT.INVALID_CARD_NUMBER',
      'card.number',
    );
  });

  it('never echoes the card number in the error', () => {
    try {
      validateCard(card({ number: '4242424242424241' }), now);
      assert.fail('expected an error');
    } catch (error) {
      assert.doesNotMatch(`${(error as Error).message} ${JSON.stringify(error)}`, /4242424242424241/);
    }
  });

  it('refuses an impossible or past expiry, naming the field', () => {
    fails(() => validateCard(card({ expMonth: 13 }), now), 'PAYMENT.INVALID_CARD_EXPIRY', 'card.expMonth');
    fails(() => validateCard(card({ expYear: 30 }), now), 'PAYMENT.INVALID_CARD_EXPIRY', 'card.expYear');
    fails(() => validateCard(card({ expYear: 2025 }), now), 'PAYMENT.INVALID_CARD_EXPIRY', 'card.expYear');
    fails(
      () => validateCard(card({ expYear: 2026, expMonth: 5 }), now),
      'PAYMENT.INVALID_CARD_EXPIRY',
      'card.expMonth',
    );
    assert.equal(
      validateCard(card({ expYear: 2026, expMonth: 6 }), now).last4,
      '4242',
      'valid through the end of its month',
    );
  });

  it('refuses a CVC of the wrong size for the brand', () => {
    fails(() => validateCard(card({ cvc: '12' }), now), 'PAYMENT.INVALID_CVC', 'card.cvc');
    fails(
      () => validateCard(card({ number: '378282246310005', cvc: '123' }), now),
      'PAYMENT.INVALID_CVC',
      'card.cvc',
    );
  });
});

describe('validateToken', () => {
  it('accepts tok_ tokens and refuses anything else, naming token', () => {
    assert.equal(validateToken('tok_visa'), 'tok_visa');
    fails(() => validateToken('visa'), 'PAYMENT.INVALID_TOKEN', 'token');
    fails(() => validateToken('tok_'), 'PAYMENT.INVALID_TOKEN', 'token');
  });
});
