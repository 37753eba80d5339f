import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, ManualClock, Money } from '@polyshop/kernel';
import { validateCard } from '../../domain/card.ts';
import type { PaymentInstrument } from '../../domain/payment-request.ts';
import { SandboxPaymentGateway } from './sandbox-payment-gateway.ts';

const clock = new ManualClock('2026-06-15T12:00:00Z');
const usd = (amount: string) => Money.of(amount, 'USD');
const card = (number: string): PaymentInstrument => ({
  kind: 'card',
  card: validateCard({ number, expMonth: 12, expYear: 2030, cvc: '123' }, clock.now()),
});
const token = (value: string): PaymentInstrument => ({ kind: 'token', token: value });
let keys = 0;
const key = () => `k${++keys}`;
const rejected = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

describe(SandboxPaymentGateway.name, () => {
  it('lets documented test cards and tokens decide the outcome', async () => {
    const gateway = new SandboxPaymentGateway({ clock });
    const outcome = async (instrument: PaymentInstrument) => {
      const answer = await gateway.authorize({
        idempotencyKey: key(),
        amount: usd('10.00'),
        instrument,
        reference: 'p',
      });
      return answer.outcome === 'approved' ? 'approved' : answer.reason;
    };
    assert.equal(await outcome(card('4242424242424242')), 'approved');
    assert.equal(await outcome(card('4000000000000002')), 'declined');
    assert.equal(await outcome(card('4000000000009995')), 'insufficient_funds');
    assert.equal(await outcome(card('4000000000000069')), 'expired_card');
    assert.equal(await outcome(card('4000000000000119')), 'processing_error');
    assert.equal(await outcome(token('tok_mastercard')), 'approved');
    assert.equal(await outcome(token('tok_chargeDeclinedInsufficientFunds')), 'insufficient_funds');
    await assert.rejects(
      outcome(token('tok_nope')),
      (error: unknown) => error instanceof AppError && error.field === 'token',
    );
  });

  it('answers a repeated key with the first answer and refuses the key with other parameters', async () => {
    const gateway = new SandboxPaymentGateway({ clock });
    const request = {
      idempotencyKey: 'same',
      amount: usd('10.00'),
      instrument: card('4242424242424242'),
      reference: 'p',
    };
    const [first, second] = await Promise.all([gateway.authorize(request), gateway.authorize(request)]);
    assert.deepEqual(second, first);
    await assert.rejects(
      gateway.authorize({ ...request, amount: usd('11.00') }),
      rejected('PAYMENT.GATEWAY_REJECTED'),
    );
  });

  it('captures, refunds up to the captured amount, and refuses what the transaction state forbids', async () => {
    const gateway = new SandboxPaymentGateway({ clock });
    const answer = await gateway.authorize({
      idempotencyKey: key(),
      amount: usd('10.00'),
      instrument: card('4242424242424242'),
      reference: 'p',
    });
    assert.equal(answer.outcome, 'approved');
    const transactionId = answer.transactionId;
    await assert.rejects(
      gateway.refund({ idempotencyKey: key(), transactionId, amount: usd('1.00') }),
      rejected('PAYMENT.GATEWAY_REJECTED'),
    );
    await gateway.capture({ idempotencyKey: 'cap', transactionId, amount: usd('10.00') });
    await gateway.capture({ idempotencyKey: 'cap', transactionId, amount: usd('10.00') });
    await assert.rejects(
      gateway.void({ idempotencyKey: key(), transactionId }),
      rejected('PAYMENT.GATEWAY_REJECTED'),
    );
    const refund = await gateway.refund({ idempotencyKey: 'r1', transactionId, amount: usd('6.00') });
    assert.deepEqual(
      await gateway.refund({ idempotencyKey: 'r1', transactionId, amount: usd('6.00') }),
      refund,
      'same key, no second refund',
    );
    await assert.rejects(
      gateway.refund({ idempotencyKey: key(), transactionId, amount: usd('4.01') }),
      rejected('PAYMENT.GATEWAY_REJECTED'),
    );
    await gateway.refund({ idempotencyKey: key(), transactionId, amount: usd('4.00') });
  });

  it('fails as unavailable at the configured rate, before or after acting; a retry with the key gets the one answer', async () => {
    const draws = [0.1, 0.4, 0.9];
    const gateway = new SandboxPaymentGateway({
      clock,
      failureRate: 0.5,
      random: () => draws.shift() ?? 0.9,
    });
    const request = {
      idempotencyKey: 'flaky',
      amount: usd('10.00'),
      instrument: card('4242424242424242'),
      reference: 'p',
    };
    await assert.rejects(gateway.authorize(request), rejected('PAYMENT.GATEWAY_UNAVAILABLE')); // 0.1: before acting
    // 0.4: acted, answer lost
    await assert.rejects(gateway.authorize(request), rejected('PAYMENT.GATEWAY_UNAVAILABLE'));
    const answer = await gateway.authorize(request);
    assert.equal(answer.outcome, 'approved');
    await gateway.capture({ idempotencyKey: 'c', transactionId: answer.transactionId, amount: usd('10.00') });
  });

  it('keeps bounded memory: beyond maxEntries the oldest transactions are forgotten', async () => {
    const gateway = new SandboxPaymentGateway({ clock, maxEntries: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await gateway.authorize({
        idempotencyKey: key(),
        amount: usd('1.00'),
        instrument: card('4242424242424242'),
        reference: 'p',
      });
      ids.push(answer.transactionId);
    }
    await assert.rejects(
      gateway.capture({ idempotencyKey: key(), transactionId: ids[0]!, amount: usd('1.00') }),
      rejected('PAYMENT.GATEWAY_REJECTED'),
    );
    await gateway.capture({ idempotencyKey: key(), transactionId: ids[2]!, amount: usd('1.00') });
  });
});
