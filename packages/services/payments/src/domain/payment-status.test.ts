import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import { assertTransition, canTransition, PAYMENT_STATUSES, type PaymentStatus } from './payment-status.ts';

const allowed: [PaymentStatus, PaymentStatus][] = [
  ['pending', 'authorized'],
  ['pending', 'failed'],
  ['authorized', 'captured'],
  ['authorized', 'voided'],
  ['captured', 'partially_refunded'],
  ['captured', 'refunded'],
  ['partially_refunded', 'partially_refunded'],
  ['partially_refunded', 'refunded'],
];

describe('payment state machine', () => {
  it('allows exactly the documented transitions', () => {
    for (const from of PAYMENT_STATUSES) {
      for (const to of PAYMENT_STATUSES) {
        const expected = allowed.some(([a, b]) => a === from && b === to);
        assert.equal(canTransition(from, to), expected, `${from} → ${to}`);
      }
    }
  });

  it('refuses an illegal transition with a 409 naming both states', () => {
    assert.throws(
      () => assertTransition('voided', 'captured'),
      (error: unknown) =>
        error instanceof AppError &&
        error.kind === 'conflict' &&
        error.code === 'PAYMENT.ILLEGAL_TRANSITION' &&
        error.details?.from === 'voided' &&
        error.details?.to === 'captured',
    );
  });
});
