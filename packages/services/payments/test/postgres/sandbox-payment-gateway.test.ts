import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, ManualClock, Money } from '@polyshop/kernel';
import type { SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import { migratePayments } from '../../src/adapters/postgres/payments-schema.ts';
import { SandboxPaymentGateway } from '../../src/adapters/sandbox/sandbox-payment-gateway.ts';
import { validateCard } from '../../src/domain/card.ts';
import type { PaymentInstrument } from '../../src/domain/payment-request.ts';

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

for (const target of postgresTargets()) {
  describe(`${SandboxPaymentGateway.name} on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let gateway: SandboxPaymentGateway;
    before(async () => {
      db = await target.open();
      await migratePayments(db);
      gateway = new SandboxPaymentGateway(db, { clock });
    });
    after(() => db && target.close(db));

    const authorized = async (amount: string) => {
      const answer = await gateway.authorize({
        idempotencyKey: key(),
        amount: usd(amount),
        instrument: card('4242424242424242'),
        reference: 'p',
      });
      assert.equal(answer.outcome, 'approved');
      return answer.transactionId;
    };

    it('lets documented test cards and tokens decide the outcome', async () => {
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
      const request = {
        idempotencyKey: 'same',
        amount: usd('10.00'),
        instrument: card('4242424242424242'),
        reference: 'p',
      };
      const [first, second] = await Promise.all([gateway.authorize(request), gateway.authorize(request)]);
      assert.deepEqual(second, first);
      const [counted] = await db.query<{ count: number }>(
        `SELECT count(*) AS count FROM payments.sandbox_transactions WHERE id = $1`,
        [first.transactionId],
      );
      assert.equal(counted?.count, 1, 'one authorization for the key');
      await assert.rejects(
        gateway.authorize({ ...request, amount: usd('11.00') }),
        rejected('PAYMENT.GATEWAY_REJECTED'),
      );
    });

    it('captures, refunds up to the captured amount, and refuses what the transaction state forbids', async () => {
      const transactionId = await authorized('10.00');
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

    it('remembers across instances (a restart): an authorization made before is captured, refunded and its keys replayed after', async () => {
      const transactionId = await authorized('25.00');
      await gateway.capture({ idempotencyKey: 'cap-restart', transactionId, amount: usd('25.00') });
      const partial = await gateway.refund({
        idempotencyKey: 'refund-restart',
        transactionId,
        amount: usd('5.00'),
      });

      const restarted = new SandboxPaymentGateway(db, { clock });
      await restarted.capture({ idempotencyKey: 'cap-restart', transactionId, amount: usd('25.00') });
      assert.deepEqual(
        await restarted.refund({ idempotencyKey: 'refund-restart', transactionId, amount: usd('5.00') }),
        partial,
        'the refund key answers as before the restart',
      );
      await assert.rejects(
        restarted.refund({ idempotencyKey: key(), transactionId, amount: usd('20.01') }),
        rejected('PAYMENT.GATEWAY_REJECTED'),
        'more than is left of the capture',
      );
      await restarted.refund({ idempotencyKey: key(), transactionId, amount: usd('20.00') });
      const [row] = await db.query<{ refunded_amount: string; refunds: number }>(
        `SELECT t.refunded_amount, (SELECT count(*) FROM payments.sandbox_refunds r WHERE r.transaction_id = t.id) AS refunds
         FROM payments.sandbox_transactions t WHERE t.id = $1`,
        [transactionId],
      );
      assert.deepEqual({ ...row }, { refunded_amount: '25.000', refunds: 2 });
    });

    it('keeps a refusal as the answer to its key: the same key is refused again, even once the state would allow it', async () => {
      const transactionId = await authorized('8.00');
      await assert.rejects(
        gateway.refund({ idempotencyKey: 'early-refund', transactionId, amount: usd('1.00') }),
        rejected('PAYMENT.GATEWAY_REJECTED'),
      );
      await gateway.capture({ idempotencyKey: key(), transactionId, amount: usd('8.00') });
      await assert.rejects(
        gateway.refund({ idempotencyKey: 'early-refund', transactionId, amount: usd('1.00') }),
        rejected('PAYMENT.GATEWAY_REJECTED'),
      );
    });

    it('fails as unavailable at the configured rate, before or after acting; a retry with the key gets the one answer', async () => {
      const draws = [0.1, 0.4, 0.9];
      const flaky = new SandboxPaymentGateway(db, {
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
      await assert.rejects(flaky.authorize(request), rejected('PAYMENT.GATEWAY_UNAVAILABLE')); // 0.1: before acting
      // 0.4: acted, answer lost
      await assert.rejects(flaky.authorize(request), rejected('PAYMENT.GATEWAY_UNAVAILABLE'));
      const answer = await flaky.authorize(request);
      assert.equal(answer.outcome, 'approved');
      const [counted] = await db.query<{ count: number }>(
        `SELECT count(*) AS count FROM payments.sandbox_transactions WHERE id = $1`,
        [answer.transactionId],
      );
      assert.equal(counted?.count, 1);
      await flaky.capture({ idempotencyKey: 'c', transactionId: answer.transactionId, amount: usd('10.00') });
    });
  });
}
