import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, Money } from '@polyshop/kernel';
import {
  authorize,
  capture,
  newPayment,
  refundable,
  releaseRefund,
  reserveRefund,
  settleRefund,
  type Payment,
} from './payment.ts';

const at = new Date('2026-03-01T10:00:00Z');
const usd = (amount: string) => Money.of(amount, 'USD');

function captured(amount = '10.00'): Payment {
  const payment = newPayment({
    id: 'p1',
    orderId: 'o1',
    amount: usd(amount),
    method: 'card',
    region: 'eu',
    at,
  });
  return capture(authorize(payment, { transactionId: 't1', card: { brand: 'visa', last4: '4242' } }, at), at);
}

describe('refunds of a payment', () => {
  it('reserves, settles and ends refunded when the whole capture is returned', () => {
    let payment = captured();
    payment = reserveRefund(payment, usd('4.00'), at);
    assert.equal(refundable(payment).toDecimalString(), '6.00');
    payment = settleRefund(payment, usd('4.00'), at);
    assert.equal(payment.status, 'partially_refunded');
    payment = settleRefund(reserveRefund(payment, usd('6.00'), at), usd('6.00'), at);
    assert.equal(payment.status, 'refunded');
    assert.equal(payment.refundedAmount.toDecimalString(), '10.00');
    assert.equal(payment.refundPendingAmount.toDecimalString(), '0.00');
  });

  it('counts refunds in flight: a reservation beyond what is left is a 409 with the refundable amount', () => {
    const payment = reserveRefund(captured(), usd('7.00'), at);
    assert.throws(
      () => reserveRefund(payment, usd('3.01'), at),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === 'PAYMENT.REFUND_EXCEEDS_CAPTURED' &&
        error.field === 'amount' &&
        error.details?.refundable === '3.00',
    );
    assert.equal(refundable(releaseRefund(payment, usd('7.00'), at)).toDecimalString(), '10.00');
  });

  it('refuses refunds of an uncaptured payment and of nothing', () => {
    const pending = newPayment({
      id: 'p2',
      orderId: 'o1',
      amount: usd('5.00'),
      method: 'card',
      region: 'eu',
      at,
    });
    assert.throws(
      () => reserveRefund(pending, usd('1.00'), at),
      (error: unknown) => error instanceof AppError && error.code === 'PAYMENT.ILLEGAL_TRANSITION',
    );
    assert.throws(
      () => reserveRefund(captured(), usd('0'), at),
      (error: unknown) => error instanceof AppError && error.field === 'amount',
    );
  });
});
